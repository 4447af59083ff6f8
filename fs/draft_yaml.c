/* draft_yaml.c - the front matter of a draft, read as YAML (see
 * draft_yaml.h).
 *
 * libyaml's event parser, not its document loader: an alias is refused as
 * the event that names it (a loader would share the node, and turning a
 * tree of shared nodes into JSON can grow without bound), and the depth
 * and size of metadata are counted as the events come.
 */
#include "draft_yaml.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "render.h"

#define DEPTH_MAX 32
#define NODES_MAX 4096
#define SHOWN 64	/* bytes of a user's text quoted in a reason */
#define KNOWN_KEYS "repo, model, agent_type, metadata, image"
#define AGENT_TYPES "codegen, claude_code"
#define TAG_STR "tag:yaml.org,2002:str"

enum fm_key { KEY_REPO, KEY_MODEL, KEY_AGENT_TYPE, KEY_METADATA, KEY_IMAGE, KEY_COUNT };

static const char *const key_names[KEY_COUNT] = {
	[KEY_REPO] = "repo",
	[KEY_MODEL] = "model",
	[KEY_AGENT_TYPE] = "agent_type",
	[KEY_METADATA] = "metadata",
	[KEY_IMAGE] = "image",
};

/* CreateAgentRunInput.agent_type (api-docs/openapi3.json). */
static const char *const agent_types[] = { "codegen", "claude_code" };

/* One parse: the parser, the event in hand, where the text sits in the
 * draft, and the metadata values counted so far. */
struct fm {
	yaml_parser_t parser;
	yaml_event_t ev;
	int have;               /* ev holds an event to delete */
	const char *text;
	size_t len;
	unsigned first_line;
	unsigned nodes;
	char *why;
	size_t why_size;
};

/* The draft's line number of a mark. */
static unsigned line_of(const struct fm *p, const yaml_mark_t *mark)
{
	return p->first_line + (unsigned)mark->line;
}

/* The draft's line number of a byte offset into the text. */
static unsigned line_at_offset(const struct fm *p, size_t off)
{
	unsigned line = p->first_line;

	for (size_t i = 0; i < off && i < p->len; i++)
		if (p->text[i] == '\n')
			line++;
	return line;
}

/* Whether line `line` (counted from 0 in the text) is indented with a tab. */
static int tab_indented(const struct fm *p, size_t line)
{
	size_t i = 0;

	for (; line && i < p->len; i++)
		if (p->text[i] == '\n')
			line--;
	for (; i < p->len && (p->text[i] == ' ' || p->text[i] == '\t'); i++)
		if (p->text[i] == '\t')
			return 1;
	return 0;
}

static int fail(struct fm *p, unsigned line, const char *what)
{
	cgfs_set_why(p->why, p->why_size, "front matter line %u: %s", line, what);
	return -EINVAL;
}

static int nomem(struct fm *p)
{
	cgfs_set_why(p->why, p->why_size, "out of memory");
	return -ENOMEM;
}

/* The parser's own error, with the line it names. */
static int parser_error(struct fm *p)
{
	const yaml_parser_t *y = &p->parser;
	char what[300];
	unsigned line;

	if (y->error == YAML_MEMORY_ERROR)
		return nomem(p);
	if (y->error == YAML_READER_ERROR)
		line = line_at_offset(p, y->problem_offset);
	else
		line = line_of(p, &y->problem_mark);
	snprintf(what, sizeof(what), "not YAML: %s%s%s%s%s", y->problem ? y->problem : "error",
		 y->context ? " (" : "", y->context ? y->context : "", y->context ? ")" : "",
		 y->error != YAML_READER_ERROR && tab_indented(p, y->problem_mark.line)
			 ? "; YAML indents with spaces, not tabs" : "");
	return fail(p, line, what);
}

/* The next event into p->ev.  Aliases are refused here, whatever they
 * stand for.  0 or -errno with why. */
static int next(struct fm *p)
{
	if (p->have)
		yaml_event_delete(&p->ev);
	p->have = 0;
	if (!yaml_parser_parse(&p->parser, &p->ev))
		return parser_error(p);
	p->have = 1;
	if (p->ev.type == YAML_ALIAS_EVENT) {
		char what[128];

		snprintf(what, sizeof(what), "aliases (*%.*s) are not supported", SHOWN,
			 (const char *)p->ev.data.alias.anchor);
		return fail(p, line_of(p, &p->ev.start_mark), what);
	}
	return 0;
}

static unsigned ev_line(const struct fm *p)
{
	return line_of(p, &p->ev.start_mark);
}

/* The scalar in hand: its text and length.  A NUL inside is refused (the
 * value would be cut at it), and so is a tag but !!str: a value is text. */
static int scalar_text(struct fm *p, const char **text, size_t *len)
{
	const char *tag = (const char *)p->ev.data.scalar.tag;

	*text = (const char *)p->ev.data.scalar.value;
	*len = p->ev.data.scalar.length;
	if (memchr(*text, '\0', *len))
		return fail(p, ev_line(p), "a NUL byte in a value");
	if (tag && strcmp(tag, TAG_STR) && strcmp(tag, "!")) {
		char what[128];

		snprintf(what, sizeof(what), "tag '%.*s' is not supported (only !!str)", SHOWN,
			 tag);
		return fail(p, ev_line(p), what);
	}
	return 0;
}

static int plain(const struct fm *p)
{
	return p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !p->ev.data.scalar.tag;
}

static int is_one_of(const char *text, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(text, words[i]))
			return 1;
	return 0;
}

/* A plain scalar that YAML's core schema reads as null. */
static int is_null(const char *text)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	return is_one_of(text, nulls, sizeof(nulls) / sizeof(nulls[0]));
}

/* Whether the scalar in hand is no value: plain null, or quoted "". */
static int empty_scalar(const struct fm *p)
{
	const char *text = (const char *)p->ev.data.scalar.value;

	return !p->ev.data.scalar.length || (plain(p) && is_null(text));
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, the core schema's
 * numbers in base 10. */
static int is_decimal(const char *s)
{
	int digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !*s;
}

/* 0o17, 0x1F: -1 when text is neither, else 0 with *v (-EINVAL: too big). */
static int based(const char *text, double *v)
{
	const char *digits = text[1] == 'o' ? "01234567" : "0123456789abcdefABCDEF";
	unsigned long long n;

	if (text[0] != '0' || (text[1] != 'o' && text[1] != 'x') || !text[2] ||
	    text[2 + strspn(text + 2, digits)])
		return -1;
	errno = 0;
	n = strtoull(text + 2, NULL, text[1] == 'o' ? 8 : 16);
	if (errno)
		return -EINVAL;
	*v = (double)n;
	return 0;
}

/* The JSON of the scalar in hand, typed as the core schema types it. */
static int scalar_json(struct fm *p, cJSON **out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	static const char *const odd[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
					   "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN" };
	const char *text;
	size_t len;
	double v;
	int ret = scalar_text(p, &text, &len);

	if (ret)
		return ret;
	if (!plain(p))
		*out = cJSON_CreateString(text);
	else if (is_null(text))
		*out = cJSON_CreateNull();
	else if (is_one_of(text, yes, 3) || is_one_of(text, no, 3))
		*out = cJSON_CreateBool(is_one_of(text, yes, 3));
	else if (is_one_of(text, odd, sizeof(odd) / sizeof(odd[0])))
		return fail(p, ev_line(p), "metadata: infinity and NaN have no JSON form");
	else if ((ret = based(text, &v)) == 0)
		*out = cJSON_CreateNumber(v);
	else if (ret == -EINVAL)
		return fail(p, ev_line(p), "metadata: a number too large");
	else if (is_decimal(text) && isfinite(v = strtod(text, NULL)))
		*out = cJSON_CreateNumber(v);
	else if (is_decimal(text))
		return fail(p, ev_line(p), "metadata: a number too large");
	else
		*out = cJSON_CreateString(text);
	return *out ? 0 : nomem(p);
}

static int node_json(struct fm *p, unsigned depth, cJSON **out);

/* The mapping whose start is in hand, as a JSON object. */
static int mapping_json(struct fm *p, unsigned depth, cJSON *obj)
{
	for (;;) {
		cJSON *child = NULL;
		const char *key;
		size_t len;
		char *name;
		unsigned line;
		int ret = next(p);

		if (ret)
			return ret;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		line = ev_line(p);
		if (p->ev.type != YAML_SCALAR_EVENT)
			return fail(p, line, "metadata: a key must be a single value");
		ret = scalar_text(p, &key, &len);
		if (ret)
			return ret;
		name = strdup(key);
		if (!name)
			return nomem(p);
		if (cJSON_GetObjectItemCaseSensitive(obj, name)) {
			char what[128];

			snprintf(what, sizeof(what), "metadata: duplicate key '%.*s'", SHOWN, name);
			free(name);
			return fail(p, line, what);
		}
		ret = next(p);
		if (!ret)
			ret = node_json(p, depth + 1, &child);
		if (!ret && !cJSON_AddItemToObject(obj, name, child)) {
			cJSON_Delete(child);
			ret = nomem(p);
		}
		free(name);
		if (ret)
			return ret;
	}
}

/* The node whose first event is in hand, as JSON: *out, or -errno. */
static int node_json(struct fm *p, unsigned depth, cJSON **out)
{
	cJSON *v = NULL;
	int ret;

	if (depth > DEPTH_MAX)
		return fail(p, ev_line(p), "metadata nested deeper than 32 levels");
	if (++p->nodes > NODES_MAX)
		return fail(p, ev_line(p), "metadata holds more than 4096 values");
	switch (p->ev.type) {
	case YAML_SCALAR_EVENT:
		return scalar_json(p, out);
	case YAML_SEQUENCE_START_EVENT:
		v = cJSON_CreateArray();
		if (!v)
			return nomem(p);
		for (;;) {
			cJSON *child = NULL;

			ret = next(p);
			if (ret || p->ev.type == YAML_SEQUENCE_END_EVENT)
				break;
			ret = node_json(p, depth + 1, &child);
			if (ret)
				break;
			if (!cJSON_AddItemToArray(v, child)) {
				cJSON_Delete(child);
				ret = nomem(p);
				break;
			}
		}
		break;
	case YAML_MAPPING_START_EVENT:
		v = cJSON_CreateObject();
		ret = v ? mapping_json(p, depth, v) : nomem(p);
		break;
	default:
		return fail(p, ev_line(p), "unexpected YAML");
	}
	if (ret) {
		cJSON_Delete(v);
		return ret;
	}
	*out = v;
	return 0;
}

/* ---- the keys ---------------------------------------------------------------- */

static int empty_value(struct fm *p, unsigned line, enum fm_key k)
{
	char what[64];

	snprintf(what, sizeof(what), "empty value for '%s'", key_names[k]);
	return fail(p, line, what);
}

/* One value for a single-valued key (repo, model, agent_type). */
static int one_value(struct fm *p, enum fm_key k, char **slot)
{
	const char *text;
	size_t len;
	int ret;

	if (p->ev.type != YAML_SCALAR_EVENT) {
		char what[96];

		snprintf(what, sizeof(what), "'%s' takes one value, not a list or a mapping",
			 key_names[k]);
		return fail(p, ev_line(p), what);
	}
	ret = scalar_text(p, &text, &len);
	if (ret)
		return ret;
	if (empty_scalar(p))
		return empty_value(p, ev_line(p), k);
	if (k == KEY_AGENT_TYPE &&
	    !is_one_of(text, agent_types, sizeof(agent_types) / sizeof(agent_types[0]))) {
		char what[160];

		snprintf(what, sizeof(what), "agent_type '%.*s' is not one of: %s", SHOWN, text,
			 AGENT_TYPES);
		return fail(p, ev_line(p), what);
	}
	*slot = strdup(text);
	return *slot ? 0 : nomem(p);
}

/* The scalar in hand as one more image path. */
static int add_image(struct fm *p, struct cgfs_draft *d)
{
	const char *text;
	size_t len;
	char **images, *path;
	int ret = scalar_text(p, &text, &len);

	if (ret)
		return ret;
	if (empty_scalar(p))
		return empty_value(p, ev_line(p), KEY_IMAGE);
	if (d->n_images == CGFS_DRAFT_IMAGES_MAX) {
		char what[32];

		snprintf(what, sizeof(what), "more than %d images", CGFS_DRAFT_IMAGES_MAX);
		return fail(p, ev_line(p), what);
	}
	path = strdup(text);
	images = path ? realloc(d->images, (d->n_images + 1) * sizeof(*images)) : NULL;
	if (!images) {
		free(path);
		return nomem(p);
	}
	d->images = images;
	d->images[d->n_images++] = path;
	return 0;
}

/* image: a path, or a list of paths. */
static int images(struct fm *p, struct cgfs_draft *d)
{
	unsigned line = ev_line(p);
	size_t before = d->n_images;
	int ret;

	if (p->ev.type == YAML_SCALAR_EVENT)
		return add_image(p, d);
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail(p, line, "image: a path or a list of paths");
	for (;;) {
		ret = next(p);
		if (ret)
			return ret;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			return d->n_images == before ? empty_value(p, line, KEY_IMAGE) : 0;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return fail(p, ev_line(p), "image: a list of paths, one per item");
		ret = add_image(p, d);
		if (ret)
			return ret;
	}
}

static int metadata(struct fm *p, struct cgfs_draft *d)
{
	cJSON *obj = NULL;
	int ret;

	if (p->ev.type == YAML_SCALAR_EVENT && empty_scalar(p))
		return empty_value(p, ev_line(p), KEY_METADATA);
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail(p, ev_line(p), "metadata is not a mapping (a JSON object)");
	ret = node_json(p, 1, &obj);
	if (ret)
		return ret;
	d->metadata = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	return d->metadata ? 0 : nomem(p);
}

/* The key in hand and its value. */
static int key_value(struct fm *p, struct cgfs_draft *d)
{
	char **slots[KEY_COUNT] = {
		[KEY_REPO] = &d->repo, [KEY_MODEL] = &d->model,
		[KEY_AGENT_TYPE] = &d->agent_type, [KEY_METADATA] = &d->metadata,
	};
	unsigned line = ev_line(p);
	const char *key;
	size_t len;
	int k, ret;

	if (p->ev.type != YAML_SCALAR_EVENT)
		return fail(p, line, "expected 'key: value'");
	ret = scalar_text(p, &key, &len);
	if (ret)
		return ret;
	for (k = 0; k < KEY_COUNT; k++)
		if (!strcmp(key, key_names[k]))
			break;
	if (k == KEY_COUNT) {
		char what[160];

		snprintf(what, sizeof(what), "unknown key '%.*s' (known: %s)",
			 (int)(len < SHOWN ? len : SHOWN), key, KNOWN_KEYS);
		return fail(p, line, what);
	}
	if (slots[k] && *slots[k]) {
		char what[64];

		snprintf(what, sizeof(what), "duplicate key '%s'", key_names[k]);
		return fail(p, line, what);
	}
	ret = next(p);
	if (ret)
		return ret;
	if (k == KEY_IMAGE)
		return images(p, d);
	if (k == KEY_METADATA)
		return metadata(p, d);
	return one_value(p, (enum fm_key)k, slots[k]);
}

/* The whole stream: nothing, or one document holding one mapping. */
static int stream(struct fm *p, struct cgfs_draft *d)
{
	int ret = next(p);

	if (!ret && p->ev.type == YAML_STREAM_START_EVENT)
		ret = next(p);
	if (ret || p->ev.type == YAML_STREAM_END_EVENT)
		return ret;
	ret = next(p);          /* past the document's start */
	if (ret)
		return ret;
	if (p->ev.type == YAML_MAPPING_START_EVENT) {
		for (;;) {
			ret = next(p);
			if (ret)
				return ret;
			if (p->ev.type == YAML_MAPPING_END_EVENT)
				break;
			ret = key_value(p, d);
			if (ret)
				return ret;
		}
	} else if (!(p->ev.type == YAML_SCALAR_EVENT && empty_scalar(p))) {
		return fail(p, ev_line(p), "expected 'key: value'");
	}
	ret = next(p);          /* the document's end */
	if (!ret)
		ret = next(p);
	if (!ret && p->ev.type != YAML_STREAM_END_EVENT)
		return fail(p, ev_line(p), "one mapping only (a second YAML document)");
	return ret;
}

int cgfs_draft_yaml(struct cgfs_draft *d, const char *text, size_t len, unsigned first_line,
		    char *why, size_t why_size)
{
	struct fm p = { .text = text, .len = len, .first_line = first_line, .why = why,
			.why_size = why_size };
	const char *nul = memchr(text, '\0', len);
	char *copy;
	int ret;

	if (nul)
		return fail(&p, line_at_offset(&p, (size_t)(nul - text)), "NUL byte");
	/* A blank line holding a tab is still blank (libyaml takes a tab
	 * there for the start of a token). */
	copy = malloc(len + 1);
	if (!copy)
		return nomem(&p);
	memcpy(copy, text, len);
	for (size_t start = 0, i = 0; i <= len; i++) {
		if (i < len && copy[i] != '\n')
			continue;
		size_t j = start;

		while (j < i && (copy[j] == ' ' || copy[j] == '\t' || copy[j] == '\r'))
			j++;
		if (j == i)
			memset(copy + start, ' ', i - start);
		start = i + 1;
	}
	if (!yaml_parser_initialize(&p.parser)) {
		free(copy);
		return nomem(&p);
	}
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)copy, len);
	ret = stream(&p, d);
	if (p.have)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.parser);
	free(copy);
	return ret;
}
