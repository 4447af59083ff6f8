/* cg_json.c - the table-driven cJSON walker and its getters (see cg_json.h). */
#include "cg_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* JSON numbers are doubles: above 2^53 they are no longer exact ids. */
#define MAX_EXACT_INT 9007199254740992.0

bool cg_json_int(const cJSON *item, int64_t *out)
{
	const char *s;
	char *end;
	long long v;
	double d;

	if (cJSON_IsNumber(item)) {
		d = item->valuedouble;
		if (!(d >= -MAX_EXACT_INT && d <= MAX_EXACT_INT))
			return false;
		if ((double)(int64_t)d != d)
			return false;
		*out = (int64_t)d;
		return true;
	}
	if (!cJSON_IsString(item) || !item->valuestring)
		return false;
	s = item->valuestring;
	if (!*s || s[strspn(s, "0123456789")])
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* cJSON allocates with malloc (codegen-fs installs no hooks), so the
 * result is released with free() like every other string we hand out. */
int cg_json_text(const cJSON *item, char **out)
{
	*out = NULL;
	if (!item || cJSON_IsNull(item))
		return 0;
	*out = cJSON_PrintUnformatted(item);
	return *out ? 0 : -ENOMEM;
}

int cg_json_scalar_text(const cJSON *item, char **out)
{
	*out = NULL;
	if (cJSON_IsString(item) && item->valuestring)
		*out = strdup(item->valuestring);
	else if (cJSON_IsNumber(item))
		*out = cJSON_PrintUnformatted(item);
	else if (cJSON_IsBool(item))
		*out = strdup(cJSON_IsTrue(item) ? "true" : "false");
	else
		return 0;
	return *out ? 0 : -ENOMEM;
}

static void *field_ptr(void *base, size_t off)
{
	return (char *)base + off;
}

void cg_json_free_items(const struct cg_json_model *elem, void *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		elem->free(elem, (char *)items + i * elem->size);
	free(items);
}

int cg_json_parse_items(const cJSON *container, const struct cg_json_model *elem,
			unsigned flags, void **items_out, size_t *n_out, size_t *left_out)
{
	const cJSON *child;
	size_t count = 0, n = 0, dropped = 0;
	char *items;
	int ret;

	cJSON_ArrayForEach(child, container)
		count++;
	if (count > CG_JSON_MAX_ITEMS) {
		dropped = count - CG_JSON_MAX_ITEMS;
		count = CG_JSON_MAX_ITEMS;
	}
	if (left_out)
		*left_out = dropped;
	if (!count) {
		*items_out = NULL;
		*n_out = 0;
		return 0;
	}
	items = calloc(count, elem->size);
	if (!items)
		return -ENOMEM;
	/* count children are read: those past the cap are already counted. */
	for (child = container->child; child && count; child = child->next, count--) {
		ret = elem->parse(elem, child, items + n * elem->size);
		if (ret == -EIO && (flags & CG_JSON_SKIP_BAD)) {
			if (left_out)
				++*left_out;
			continue;
		}
		if (ret)
			goto out_free_items;
		n++;
	}
	if (!n) {
		free(items);
		items = NULL;
	}
	*items_out = items;
	*n_out = n;
	return 0;

out_free_items:
	cg_json_free_items(elem, items, n);
	return ret;
}

static int parse_list_field(const struct cg_json_field *f, const cJSON *item, void *base)
{
	bool ok = f->kind == CG_JSON_ARRAY ? cJSON_IsArray(item) : cJSON_IsObject(item);
	void *items;
	size_t n, left_out;
	int ret;

	if (!ok)
		return (f->flags & CG_JSON_REQUIRED) ? -EIO : 0;
	ret = cg_json_parse_items(item, f->elem, f->flags, &items, &n, &left_out);
	if (ret)
		return ret;
	if (f->flags & CG_JSON_COUNT_BAD)
		*(size_t *)field_ptr(base, f->off_bad) = left_out;
	/* The member is a typed pointer (struct cg_pr *, char **, ...). */
	memcpy(field_ptr(base, f->off), &items, sizeof(items));
	*(size_t *)field_ptr(base, f->off_n) = n;
	return 0;
}

static int parse_field(const struct cg_json_field *f, const cJSON *json, void *base)
{
	void *dst = field_ptr(base, f->off);
	const cJSON *item = NULL;
	int ret;

	if (f->key)
		item = cJSON_GetObjectItemCaseSensitive(json, f->key);
	if (f->sub)
		item = cJSON_IsObject(item) ?
		       cJSON_GetObjectItemCaseSensitive(item, f->sub) : NULL;

	switch (f->kind) {
	case CG_JSON_ID:
		return cg_json_int(item, dst) ? 0 : -EIO;
	case CG_JSON_INT:
		if (!cg_json_int(item, dst))
			*(int64_t *)dst = CG_NONE;
		return 0;
	case CG_JSON_TRI:
		*(int *)dst = cJSON_IsBool(item) ? !!cJSON_IsTrue(item) : -1;
		return 0;
	case CG_JSON_STR:
		ret = cg_json_scalar_text(item, dst);
		if (!ret && (f->flags & CG_JSON_REQUIRED) && !*(char **)dst)
			return -EIO;
		return ret;
	case CG_JSON_TEXT:
		return cg_json_text(item, dst);
	case CG_JSON_RAW:
		return cg_json_text(json, dst);
	case CG_JSON_ARRAY:
	case CG_JSON_MAP:
		return parse_list_field(f, item, base);
	}
	return -EINVAL;
}

static void free_field(const struct cg_json_field *f, void *base)
{
	void *dst = field_ptr(base, f->off);
	void *items;

	switch (f->kind) {
	case CG_JSON_STR:
	case CG_JSON_TEXT:
	case CG_JSON_RAW:
		free(*(char **)dst);
		break;
	case CG_JSON_ARRAY:
	case CG_JSON_MAP:
		memcpy(&items, dst, sizeof(items));
		cg_json_free_items(f->elem, items, *(size_t *)field_ptr(base, f->off_n));
		break;
	default:
		break;
	}
}

void cg_json_free_object(const struct cg_json_model *m, void *p)
{
	size_t i;

	for (i = 0; i < m->n_fields; i++)
		free_field(&m->fields[i], p);
	memset(p, 0, m->size);
}

int cg_json_parse_object(const struct cg_json_model *m, const cJSON *json, void *out)
{
	size_t i;
	int ret;

	if (!cJSON_IsObject(json))
		return -EIO;
	for (i = 0; i < m->n_fields; i++) {
		ret = parse_field(&m->fields[i], json, out);
		if (ret)
			goto out_free_fields;
	}
	return 0;

out_free_fields:
	cg_json_free_object(m, out);
	return ret;
}

/* Parse into a scratch copy so *out is written only on success. */
int cg_json_parse(const struct cg_json_model *m, const cJSON *json, void *out)
{
	void *tmp;
	int ret;

	if (!out)
		return -EINVAL;
	tmp = calloc(1, m->size);
	if (!tmp)
		return -ENOMEM;
	ret = m->parse(m, json, tmp);
	if (!ret)
		memcpy(out, tmp, m->size);
	free(tmp);
	return ret;
}

void cg_json_free(const struct cg_json_model *m, void *p)
{
	if (p)
		m->free(m, p);
}

/* ---- the string-list element ------------------------------------------------ */

static int parse_text(const struct cg_json_model *m, const cJSON *json, void *out)
{
	char **s = out;
	int ret;

	ret = cg_json_scalar_text(json, s);
	if (ret)
		return ret;
	return *s ? 0 : -EIO;
}

static void free_text(const struct cg_json_model *m, void *p)
{
	char **s = p;

	free(*s);
	*s = NULL;
}

const struct cg_json_model cg_json_text_model = {
	.size = sizeof(char *), .parse = parse_text, .free = free_text,
};
