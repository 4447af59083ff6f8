/* fuzz_models.c - every JSON model of api/cg_models.h, from bytes.
 *
 * Input: one byte that picks the model (modulo the table below), then the
 * JSON text of an answer.  The text is parsed by cJSON as the client does
 * (cJSON_ParseWithLength), the model parses it with cg_json_parse and frees
 * it.  Properties: a parse returns 0 or a negative errno, and what it filled
 * frees cleanly (ASan and UBSan do the rest).
 */
#include <errno.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cg_models.h"
#include "fuzz.h"

static const struct cg_json_model *const models[] = {
	&cg_model_message, &cg_model_org, &cg_model_user, &cg_model_repo,
	&cg_model_run, &cg_model_log_entry, &cg_model_run_logs, &cg_model_org_page,
	&cg_model_user_page, &cg_model_repo_page, &cg_model_run_page,
	&cg_model_integrations, &cg_model_cli_rules, &cg_model_check_suite,
	&cg_model_oauth_provider_list, &cg_model_oauth_status, &cg_model_pr_edit,
	&cg_model_started_run, &cg_model_slack_token,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const struct cg_json_model *m = models[data[0] % (sizeof(models) / sizeof(models[0]))];
	cJSON *json = cJSON_ParseWithLength((const char *)data + 1, size - 1);
	void *out = malloc(m->size);

	FUZZ_ASSERT(out != NULL);
	memset(out, 0xa5, m->size);   /* parse must not read what it has not written */
	int ret = cg_json_parse(m, json, out);
	FUZZ_ASSERT(ret == 0 || ret == -EIO || ret == -ENOMEM || ret == -EINVAL);
	if (ret == 0)
		cg_json_free(m, out);
	free(out);
	cJSON_Delete(json);
	return 0;
}
