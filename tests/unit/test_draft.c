/* test_draft.c - unit tests of fs/draft.c: the front matter of a prompt
 * file in new/ (DESIGN.md §3), the editor scratch names that are never
 * sent, and the data URI an image path turns into.
 *
 * Every failure is checked for its exact errno and reason, and for leaving
 * the caller's struct byte for byte as it was.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "draft.h"

#define WHY_SIZE 256

static const char design_example[] =
	"---\n"
	"repo: 456            # repo id or name\n"
	"model: claude-sonnet-4\n"
	"agent_type: claude_code\n"
	"metadata: {\"ticket\": \"PAY-12\"}\n"
	"image: /home/me/screenshot.png    # repeatable; sent as a base64 data URI\n"
	"image: /home/me/second.jpg\n"
	"---\n"
	"Add retries to the payment client.\n";

/* Parses text (all of it) and asserts success. */
static void parse_ok(const char *text, struct cgfs_draft *d)
{
	char why[WHY_SIZE] = "";
	int ret = cgfs_draft_parse(text, strlen(text), d, why, sizeof(why));

	ck_assert_msg(ret == 0, "parse failed (%d): %s", ret, why);
	ck_assert_ptr_nonnull(d->prompt);
}

/* Parses text and asserts the error, the exact reason, and that out was
 * not written. */
static void expect_fail(const char *text, size_t len, int want, const char *want_why)
{
	struct cgfs_draft d, before;
	char why[WHY_SIZE] = "";
	int ret;

	memset(&d, 0xa5, sizeof(d));
	memcpy(&before, &d, sizeof(d));
	ret = cgfs_draft_parse(text, len, &d, why, sizeof(why));
	ck_assert_int_eq(ret, want);
	ck_assert_str_eq(why, want_why);
	ck_assert_int_eq(memcmp(&d, &before, sizeof(d)), 0);
}

#define FAIL_WITH(text, want, want_why) expect_fail(text, strlen(text), want, want_why)

/* ---- no front matter -------------------------------------------------------- */

START_TEST(plain_text_is_the_prompt)
{
	struct cgfs_draft d;

	parse_ok("Add retries to the payment client.\n", &d);
	ck_assert_str_eq(d.prompt, "Add retries to the payment client.\n");
	ck_assert_ptr_null(d.repo);
	ck_assert_ptr_null(d.model);
	ck_assert_ptr_null(d.agent_type);
	ck_assert_ptr_null(d.metadata);
	ck_assert_ptr_null(d.images);
	ck_assert_uint_eq(d.n_images, 0);
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(plain_crlf_text_kept_exactly)
{
	struct cgfs_draft d;

	parse_ok("  line one\r\nrepo: 456\r\n\r\n", &d);
	ck_assert_str_eq(d.prompt, "  line one\r\nrepo: 456\r\n\r\n");
	ck_assert_ptr_null(d.repo);
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(fence_later_is_prompt_text)
{
	struct cgfs_draft d;

	parse_ok("Title\n---\nrepo: 1\n---\n", &d);
	ck_assert_str_eq(d.prompt, "Title\n---\nrepo: 1\n---\n");
	ck_assert_ptr_null(d.repo);
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(four_dashes_open_nothing)
{
	struct cgfs_draft d;

	parse_ok("----\nrepo: 1\n---\nx", &d);
	ck_assert_str_eq(d.prompt, "----\nrepo: 1\n---\nx");
	ck_assert_ptr_null(d.repo);
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(text_not_nul_terminated)
{
	static const char buf[] = { 'h', 'i', '\n', 'X', 'Y' };
	struct cgfs_draft d;
	char why[WHY_SIZE];

	ck_assert_int_eq(cgfs_draft_parse(buf, 3, &d, why, sizeof(why)), 0);
	ck_assert_str_eq(d.prompt, "hi\n");
	cgfs_draft_free(&d);
}
END_TEST

/* A NUL would cut the prompt short when it is sent (a JSON string of C
 * text): refused, as in front matter (found by tests/fuzz/fuzz_draft.c). */
START_TEST(prompt_with_nul_refused)
{
	static const char plain[] = "fix it\0and this";
	static const char fm[] = "---\nrepo: 456\n---\np\0q";   /* regressions/draft/ */

	expect_fail(plain, sizeof(plain) - 1, -EINVAL, "the prompt holds a NUL byte at offset 6");
	expect_fail(fm, sizeof(fm) - 1, -EINVAL, "the prompt holds a NUL byte at offset 1");
	expect_fail("\0", 1, -EINVAL, "the prompt holds a NUL byte at offset 0");
}
END_TEST

/* ---- front matter ----------------------------------------------------------- */

START_TEST(design_example_every_field)
{
	struct cgfs_draft d;

	parse_ok(design_example, &d);
	ck_assert_str_eq(d.repo, "456");
	ck_assert_str_eq(d.model, "claude-sonnet-4");
	ck_assert_str_eq(d.agent_type, "claude_code");
	ck_assert_str_eq(d.metadata, "{\"ticket\":\"PAY-12\"}");
	ck_assert_uint_eq(d.n_images, 2);
	ck_assert_str_eq(d.images[0], "/home/me/screenshot.png");
	ck_assert_str_eq(d.images[1], "/home/me/second.jpg");
	ck_assert_str_eq(d.prompt, "Add retries to the payment client.\n");
	cgfs_draft_free(&d);
	ck_assert_ptr_null(d.prompt);
	ck_assert_uint_eq(d.n_images, 0);
	cgfs_draft_free(&d);	/* a freed draft frees again harmlessly */
	cgfs_draft_free(NULL);
}
END_TEST

START_TEST(fences_with_spaces_and_crlf)
{
	struct cgfs_draft d;

	parse_ok("---  \r\nmodel: m1 \r\nrepo: web\t\r\n--- \t\r\nDo it.\r\nNow.\r\n", &d);
	ck_assert_str_eq(d.model, "m1");
	ck_assert_str_eq(d.repo, "web");
	ck_assert_str_eq(d.prompt, "Do it.\r\nNow.\r\n");
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(comments_and_blank_lines)
{
	struct cgfs_draft d;

	parse_ok("---\n"
		 "# who runs it\n"
		 "\n"
		 "   \t\n"
		 "  # indented comment\n"
		 "agent_type: codegen   # inline\n"
		 "metadata: {\"a\": [1, 2], \"b\": \"#x\"}\t# note\n"
		 "model: a#b\n"
		 "---\n"
		 "\n# not a comment here\n", &d);
	ck_assert_str_eq(d.agent_type, "codegen");
	ck_assert_str_eq(d.metadata, "{\"a\":[1,2],\"b\":\"#x\"}");
	ck_assert_str_eq(d.model, "a#b");
	ck_assert_ptr_null(d.repo);
	ck_assert_str_eq(d.prompt, "\n# not a comment here\n");
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(repo_as_id)
{
	struct cgfs_draft d;

	parse_ok("---\nrepo: 456\n---\nx\n", &d);
	ck_assert_str_eq(d.repo, "456");
	ck_assert_str_eq(d.prompt, "x\n");
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(repo_as_name)
{
	struct cgfs_draft d;

	parse_ok("---\nrepo:   acme/payments-api  # by name\n---\nx\n", &d);
	ck_assert_str_eq(d.repo, "acme/payments-api");
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(empty_front_matter)
{
	struct cgfs_draft d;

	parse_ok("---\n---\nonly prompt", &d);
	ck_assert_str_eq(d.prompt, "only prompt");
	ck_assert_ptr_null(d.repo);
	ck_assert_uint_eq(d.n_images, 0);
	cgfs_draft_free(&d);
}
END_TEST

/* ---- YAML as users write it ------------------------------------------------- */

START_TEST(quoted_values_lose_their_quotes)
{
	struct cgfs_draft d;

	parse_ok("---\nmodel: \"claude-sonnet-4\"\nrepo: 'acme/payments'\n"
		 "agent_type: \"claude_code\"   # quoted\nimage: \"/tmp/a b.png\"\n---\nx\n", &d);
	ck_assert_str_eq(d.model, "claude-sonnet-4");
	ck_assert_str_eq(d.repo, "acme/payments");
	ck_assert_str_eq(d.agent_type, "claude_code");
	ck_assert_uint_eq(d.n_images, 1);
	ck_assert_str_eq(d.images[0], "/tmp/a b.png");
	cgfs_draft_free(&d);
	parse_ok("---\nrepo: \"456\"\nmodel: \"a # not a comment\"\n---\nx\n", &d);
	ck_assert_str_eq(d.repo, "456");
	ck_assert_str_eq(d.model, "a # not a comment");
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(block_mapping_metadata_typed_as_json)
{
	struct cgfs_draft d;

	parse_ok("---\n"
		 "metadata:\n"
		 "  ticket: PAY-12\n"
		 "  n: 3\n"
		 "  ratio: -0.5e1\n"
		 "  hex: 0x1F\n"
		 "  ok: true\n"
		 "  off: False\n"
		 "  none: ~\n"
		 "  quoted: \"3\"\n"
		 "  yes: yes      # YAML 1.2: a string\n"
		 "  labels: [api, \"retries\"]\n"
		 "  steps:\n"
		 "    - x: 1\n"
		 "    - text: |\n"
		 "        two\n"
		 "        lines\n"
		 "model: m\n"
		 "---\n"
		 "x\n", &d);
	ck_assert_str_eq(d.metadata,
			 "{\"ticket\":\"PAY-12\",\"n\":3,\"ratio\":-5,\"hex\":31,\"ok\":true,"
			 "\"off\":false,\"none\":null,\"quoted\":\"3\",\"yes\":\"yes\","
			 "\"labels\":[\"api\",\"retries\"],"
			 "\"steps\":[{\"x\":1},{\"text\":\"two\\nlines\\n\"}]}");
	ck_assert_str_eq(d.model, "m");
	cgfs_draft_free(&d);
	parse_ok("---\nmetadata: {ticket: PAY-12, n: [1, 2]}\n---\nx\n", &d);
	ck_assert_str_eq(d.metadata, "{\"ticket\":\"PAY-12\",\"n\":[1,2]}");
	cgfs_draft_free(&d);
	parse_ok("---\nmetadata: {a: 0x, b: 0x1G, c: 0o8, d: 0o17, e: !!str 3, f: 1.,"
		 " g: +.5, h: 1e3, i: 1e, j: 0x-1}\n---\nx\n", &d);
	ck_assert_str_eq(d.metadata, "{\"a\":\"0x\",\"b\":\"0x1G\",\"c\":\"0o8\",\"d\":15,"
			 "\"e\":\"3\",\"f\":1,\"g\":0.5,\"h\":1000,\"i\":\"1e\",\"j\":\"0x-1\"}");
	cgfs_draft_free(&d);
	parse_ok("---\nmetadata: {}\n---\nx\n", &d);
	ck_assert_str_eq(d.metadata, "{}");
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(image_lists)
{
	struct cgfs_draft d;

	parse_ok("---\nimage: [a.png, \"b c.png\"]\nimage:\n  - /abs/d.png\n  - e.png\n"
		 "image: f.png\n---\nx\n", &d);
	ck_assert_uint_eq(d.n_images, 5);
	ck_assert_str_eq(d.images[0], "a.png");
	ck_assert_str_eq(d.images[1], "b c.png");
	ck_assert_str_eq(d.images[2], "/abs/d.png");
	ck_assert_str_eq(d.images[3], "e.png");
	ck_assert_str_eq(d.images[4], "f.png");
	cgfs_draft_free(&d);
}
END_TEST

START_TEST(flow_mapping_and_document_end)
{
	struct cgfs_draft d;

	parse_ok("---\n{model: m, repo: 7}\n---\nx\n", &d);
	ck_assert_str_eq(d.model, "m");
	ck_assert_str_eq(d.repo, "7");
	cgfs_draft_free(&d);
	parse_ok("---\nmodel: m\n...\n---\nx\n", &d);
	ck_assert_str_eq(d.model, "m");
	cgfs_draft_free(&d);
	parse_ok("---\n# only a comment\n\t\n---\nx\n", &d);
	ck_assert_ptr_null(d.model);
	cgfs_draft_free(&d);
}
END_TEST

/* ---- errors ----------------------------------------------------------------- */

START_TEST(unknown_key)
{
	FAIL_WITH("---\nrepo: 1\nmodle: x\n---\nhi\n", -EINVAL,
		  "front matter line 3: unknown key 'modle' "
		  "(known: repo, model, agent_type, metadata, image)");
}
END_TEST

START_TEST(line_numbers_count_comments_and_crlf)
{
	FAIL_WITH("---\r\n# c\r\n\r\nRepo: 1\r\n---\r\nhi\r\n", -EINVAL,
		  "front matter line 4: unknown key 'Repo' "
		  "(known: repo, model, agent_type, metadata, image)");
}
END_TEST

START_TEST(line_without_colon)
{
	FAIL_WITH("---\nrepo 1\n---\nhi\n", -EINVAL,
		  "front matter line 2: expected 'key: value'");
}
END_TEST

START_TEST(duplicate_key)
{
	FAIL_WITH("---\nmodel: a\nrepo: 1\nmodel: b\n---\nhi\n", -EINVAL,
		  "front matter line 4: duplicate key 'model'");
	FAIL_WITH("---\nmetadata: {}\nmetadata: {}\n---\nhi\n", -EINVAL,
		  "front matter line 3: duplicate key 'metadata'");
}
END_TEST

START_TEST(empty_value)
{
	FAIL_WITH("---\nrepo:\n---\nhi\n", -EINVAL,
		  "front matter line 2: empty value for 'repo'");
	FAIL_WITH("---\nimage:    # nothing\n---\nhi\n", -EINVAL,
		  "front matter line 2: empty value for 'image'");
	FAIL_WITH("---\nmetadata:  \r\n---\nhi\n", -EINVAL,
		  "front matter line 2: empty value for 'metadata'");
}
END_TEST

START_TEST(metadata_not_yaml)
{
	FAIL_WITH("---\nmetadata: {\"a\": 1\n---\nhi\n", -EINVAL,
		  "front matter line 3: not YAML: did not find expected ',' or '}' "
		  "(while parsing a flow mapping)");
}
END_TEST

START_TEST(metadata_not_object)
{
	FAIL_WITH("---\nmetadata: [1, 2]\n---\nhi\n", -EINVAL,
		  "front matter line 2: metadata is not a mapping (a JSON object)");
	FAIL_WITH("---\nmetadata: \"s\"  # a string\n---\nhi\n", -EINVAL,
		  "front matter line 2: metadata is not a mapping (a JSON object)");
}
END_TEST

START_TEST(metadata_followed_by_junk)
{
	FAIL_WITH("---\nmetadata: {\"a\": 1} x\n---\nhi\n", -EINVAL,
		  "front matter line 2: not YAML: did not find expected key "
		  "(while parsing a block mapping)");
	FAIL_WITH("---\nmetadata: {\"a\": 1}{\"b\": 2}\n---\nhi\n", -EINVAL,
		  "front matter line 2: not YAML: did not find expected key "
		  "(while parsing a block mapping)");
}
END_TEST

START_TEST(one_value_keys_take_one_value)
{
	FAIL_WITH("---\nmodel: [a, b]\n---\nhi\n", -EINVAL,
		  "front matter line 2: 'model' takes one value, not a list or a mapping");
	FAIL_WITH("---\nrepo:\n  id: 4\n---\nhi\n", -EINVAL,
		  "front matter line 3: 'repo' takes one value, not a list or a mapping");
	FAIL_WITH("---\nagent_type: codex\n---\nhi\n", -EINVAL,
		  "front matter line 2: agent_type 'codex' is not one of: codegen, claude_code");
	FAIL_WITH("---\nmodel: \"\"\n---\nhi\n", -EINVAL,
		  "front matter line 2: empty value for 'model'");
	FAIL_WITH("---\nmodel: null\n---\nhi\n", -EINVAL,
		  "front matter line 2: empty value for 'model'");
}
END_TEST

START_TEST(image_values)
{
	FAIL_WITH("---\nimage: []\n---\nhi\n", -EINVAL,
		  "front matter line 2: empty value for 'image'");
	FAIL_WITH("---\nimage:\n  - a.png\n  - [b.png]\n---\nhi\n", -EINVAL,
		  "front matter line 4: image: a list of paths, one per item");
	FAIL_WITH("---\nimage: {a: b}\n---\nhi\n", -EINVAL,
		  "front matter line 2: image: a path or a list of paths");
	FAIL_WITH("---\nimage: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q]\n---\nhi\n",
		  -EINVAL, "front matter line 2: more than 16 images");
}
END_TEST

START_TEST(yaml_features_refused)
{
	FAIL_WITH("---\nmetadata: {a: &x [1], b: *x}\n---\nhi\n", -EINVAL,
		  "front matter line 2: aliases (*x) are not supported");
	FAIL_WITH("---\nmetadata: {a: !!binary aGk=}\n---\nhi\n", -EINVAL,
		  "front matter line 2: tag 'tag:yaml.org,2002:binary' is not supported "
		  "(only !!str)");
	FAIL_WITH("---\nmodel: !!int 4\n---\nhi\n", -EINVAL,
		  "front matter line 2: tag 'tag:yaml.org,2002:int' is not supported "
		  "(only !!str)");
	FAIL_WITH("---\nmetadata: {a: .inf}\n---\nhi\n", -EINVAL,
		  "front matter line 2: metadata: infinity and NaN have no JSON form");
	FAIL_WITH("---\nmetadata:\n  a: 1\n  a: 2\n---\nhi\n", -EINVAL,
		  "front matter line 4: metadata: duplicate key 'a'");
	FAIL_WITH("---\nmetadata: {[a]: 1}\n---\nhi\n", -EINVAL,
		  "front matter line 2: metadata: a key must be a single value");
	FAIL_WITH("---\nmodel: \"a\\0b\"\n---\nhi\n", -EINVAL,
		  "front matter line 2: a NUL byte in a value");
	FAIL_WITH("---\n- model: m\n---\nhi\n", -EINVAL,
		  "front matter line 2: expected 'key: value'");
	FAIL_WITH("---\nmodel: m\n...\nrepo: 1\n---\nhi\n", -EINVAL,
		  "front matter line 4: not YAML: did not find expected <document start>");
}
END_TEST

START_TEST(tabs_and_deep_metadata)
{
	char text[400] = "---\nmetadata: ";
	size_t n = strlen(text);

	FAIL_WITH("---\nmetadata:\n\tticket: x\n---\nhi\n", -EINVAL,
		  "front matter line 3: not YAML: found character that cannot start any token "
		  "(while scanning for the next token); YAML indents with spaces, not tabs");
	for (int i = 0; i < 40; i++)
		text[n++] = '[';
	text[n] = '\0';
	strcat(text, "\n---\nhi\n");
	FAIL_WITH(text, -EINVAL, "front matter line 2: metadata is not a mapping (a JSON object)");
	memcpy(text + strlen("---\nmetadata: "), "{a: ", 4);
	FAIL_WITH(text, -EINVAL, "front matter line 2: metadata nested deeper than 32 levels");
}
END_TEST

START_TEST(invalid_utf8)
{
	FAIL_WITH("---\nmodel: m\nrepo: \xff\n---\nhi\n", -EINVAL,
		  "front matter line 3: not YAML: invalid leading UTF-8 octet");
}
END_TEST

START_TEST(missing_closing_fence)
{
	FAIL_WITH("---\nrepo: 1\nAdd retries.\n", -EINVAL,
		  "front matter: no closing '---' line");
	FAIL_WITH("---", -EINVAL, "front matter: no closing '---' line");
}
END_TEST

START_TEST(empty_text)
{
	expect_fail("", 0, -ENODATA, "the prompt is empty");
	expect_fail(NULL, 0, -ENODATA, "the prompt is empty");
}
END_TEST

START_TEST(whitespace_text)
{
	FAIL_WITH(" \n\t\r\n\n", -ENODATA, "the prompt is empty");
}
END_TEST

START_TEST(front_matter_then_whitespace)
{
	FAIL_WITH("---\nrepo: 456\n---\n  \r\n\n", -ENODATA, "no prompt after the front matter");
	FAIL_WITH("---\nrepo: 456\n---", -ENODATA, "no prompt after the front matter");
}
END_TEST

START_TEST(why_is_bounded)
{
	struct cgfs_draft d;
	char why[8];

	ck_assert_int_eq(cgfs_draft_parse("---\nx: 1\n---\nhi", 16, &d, why, sizeof(why)),
			 -EINVAL);
	ck_assert_str_eq(why, "front m");
	ck_assert_int_eq(cgfs_draft_parse("", 0, &d, NULL, 0), -ENODATA);
}
END_TEST

/* ---- scratch names ---------------------------------------------------------- */

START_TEST(scratch_names)
{
	static const char *const scratch[] = {
		".x", ".a.swp", ".draft.md.swx", "a~", "#a#", "a.swp", "a.swo", "a.swx",
		"a.vsctmp", "a.md___jb_tmp___", "a.md___jb_old___", ".x.draft", "a.draft~",
	};
	/* all-digit names (a ticket number) and *.tmp are sent: vim's 4913
	 * probe is never written, and an empty draft is never sent */
	static const char *const plain[] = {
		"a", "retries", "a.md", "4913x", "x4913", "#a", "a#", "sw", "a.sw",
		"a.swpx", "a.tmpx", "tmp", "a~b", "#", "4913", "4521", "0", "a.tmp",
		"a.draft", "idea.md.draft",
	};
	static const char *const held[] = { "a.draft", "idea.md.draft", "4913.draft" };
	static const char *const not_held[] = {
		"draft", ".draft", ".x.draft", "a.drafts", "a.draft~", "a.draft.swp", "adraft", "",
	};

	for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++)
		ck_assert_msg(cgfs_draft_is_scratch(scratch[i]) == 1, "%s", scratch[i]);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		ck_assert_msg(cgfs_draft_is_scratch(plain[i]) == 0, "%s", plain[i]);
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++)
		ck_assert_msg(cgfs_draft_is_held(held[i]) == 1, "%s", held[i]);
	for (size_t i = 0; i < sizeof(not_held) / sizeof(not_held[0]); i++)
		ck_assert_msg(cgfs_draft_is_held(not_held[i]) == 0, "%s", not_held[i]);
	ck_assert_int_eq(cgfs_draft_is_held(NULL), 0);
}
END_TEST

/* ---- images ----------------------------------------------------------------- */

static char tmpdir[64];

static void image_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_draft.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void image_teardown(void)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *e;

	ck_assert_ptr_nonnull(dir);
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			ck_assert_int_eq(unlinkat(dirfd(dir), e->d_name, 0), 0);
	closedir(dir);
	ck_assert_int_eq(rmdir(tmpdir), 0);
}

static void path_in_tmp(char *path, size_t size, const char *name)
{
	int n = snprintf(path, size, "%s/%s", tmpdir, name);

	ck_assert(n > 0 && (size_t)n < size);
}

static void write_file(const char *path, const void *bytes, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, bytes, n), (ssize_t)n);
	ck_assert_int_eq(close(fd), 0);
}

/* Writes bytes into tmpdir/name and asserts the exact URI made of it. */
static void expect_uri(const char *name, const void *bytes, size_t n, const char *want)
{
	char path[128], why[WHY_SIZE] = "";
	char *uri = NULL;

	path_in_tmp(path, sizeof(path), name);
	write_file(path, bytes, n);
	ck_assert_msg(cgfs_image_data_uri(NULL, path, &uri, why, sizeof(why)) == 0, "%s", why);
	ck_assert_str_eq(uri, want);
	free(uri);
}

/* Asserts the error and reason for path, and that *uri was not written. */
static void expect_image_fail(const char *path, int want, const char *want_why_tail)
{
	char sentinel, *uri = &sentinel, why[WHY_SIZE] = "", want_why[WHY_SIZE];

	snprintf(want_why, sizeof(want_why), "image '%s': %s", path, want_why_tail);
	ck_assert_int_eq(cgfs_image_data_uri(NULL, path, &uri, why, sizeof(why)), want);
	ck_assert_str_eq(why, want_why);
	ck_assert_ptr_eq(uri, &sentinel);
}

START_TEST(image_png)
{
	static const unsigned char png[] = {
		0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 'I', 'H', 'D', 'R',
	};

	expect_uri("a.png", png, sizeof(png), "data:image/png;base64,iVBORw0KGgpJSERS");
}
END_TEST

START_TEST(image_jpeg_padding)
{
	static const unsigned char jpeg5[] = { 0xff, 0xd8, 0xff, 0xe0, 0x01 };
	static const unsigned char jpeg4[] = { 0xff, 0xd8, 0xff, 0xe0 };

	expect_uri("five.jpg", jpeg5, sizeof(jpeg5), "data:image/jpeg;base64,/9j/4AE=");
	expect_uri("four.jpg", jpeg4, sizeof(jpeg4), "data:image/jpeg;base64,/9j/4A==");
}
END_TEST

START_TEST(image_gif)
{
	/* six bytes: no padding */
	expect_uri("six.gif", "GIF89a", 6, "data:image/gif;base64,R0lGODlh");
	expect_uri("seven.gif", "GIF87a!", 7, "data:image/gif;base64,R0lGODdhIQ==");
}
END_TEST

START_TEST(image_webp)
{
	expect_uri("a.webp", "RIFF\x04\0\0\0WEBP", 12, "data:image/webp;base64,UklGRgQAAABXRUJQ");
}
END_TEST

START_TEST(image_all_byte_values)
{
	unsigned char bytes[259];
	char path[128], why[WHY_SIZE];
	char *uri = NULL;

	bytes[0] = 0xff;
	bytes[1] = 0xd8;
	bytes[2] = 0xff;
	for (int i = 0; i < 256; i++)
		bytes[3 + i] = (unsigned char)i;
	path_in_tmp(path, sizeof(path), "all.jpg");
	write_file(path, bytes, sizeof(bytes));
	ck_assert_int_eq(cgfs_image_data_uri(NULL, path, &uri, why, sizeof(why)), 0);
	/* 259 bytes: 86 full groups and one byte, padded; python3 base64.b64encode */
	ck_assert_uint_eq(strlen(uri), strlen("data:image/jpeg;base64,") + 4 * 87);
	ck_assert_str_eq(uri + strlen(uri) - 12, "+fr7/P3+/w==");
	free(uri);
}
END_TEST

START_TEST(image_text_file)
{
	char path[128];

	path_in_tmp(path, sizeof(path), "notes.png");
	write_file(path, "hello, world\n", 13);
	expect_image_fail(path, -EINVAL, "not a PNG, JPEG, GIF or WEBP file");
	path_in_tmp(path, sizeof(path), "empty.png");
	write_file(path, "", 0);
	expect_image_fail(path, -EINVAL, "not a PNG, JPEG, GIF or WEBP file");
	path_in_tmp(path, sizeof(path), "short.webp");
	write_file(path, "RIFF\0\0\0\0WEB", 11);
	expect_image_fail(path, -EINVAL, "not a PNG, JPEG, GIF or WEBP file");
}
END_TEST

START_TEST(image_relative_to_the_writers_directory)
{
	static const unsigned char gif[] = "GIF89a";
	char path[128], why[WHY_SIZE] = "", want[WHY_SIZE];
	char sentinel, *uri = NULL;

	path_in_tmp(path, sizeof(path), "rel.gif");
	write_file(path, gif, 6);
	ck_assert_msg(cgfs_image_data_uri(tmpdir, "rel.gif", &uri, why, sizeof(why)) == 0,
		      "%s", why);
	ck_assert_str_eq(uri, "data:image/gif;base64,R0lGODlh");
	free(uri);
	/* an absolute path ignores the directory */
	ck_assert_int_eq(cgfs_image_data_uri("/nonexistent", path, &uri, why, sizeof(why)), 0);
	free(uri);
	uri = &sentinel;
	ck_assert_int_eq(cgfs_image_data_uri(tmpdir, "nope.gif", &uri, why, sizeof(why)),
			 -ENOENT);
	snprintf(want, sizeof(want), "image 'nope.gif' (in %s): No such file or directory",
		 tmpdir);
	ck_assert_str_eq(why, want);
	ck_assert_int_eq(cgfs_image_data_uri(NULL, "rel.gif", &uri, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "image 'rel.gif': a relative path, and the working directory of "
			 "the process that wrote the draft is not known (write the draft "
			 "again, or give an absolute path)");
	ck_assert_ptr_eq(uri, &sentinel);
}
END_TEST

START_TEST(image_missing)
{
	char path[128];

	path_in_tmp(path, sizeof(path), "missing.png");
	expect_image_fail(path, -ENOENT, "No such file or directory");
}
END_TEST

START_TEST(image_directory_and_fifo)
{
	char path[128];

	expect_image_fail(tmpdir, -EINVAL, "not a regular file");
	path_in_tmp(path, sizeof(path), "fifo");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	expect_image_fail(path, -EINVAL, "not a regular file");
}
END_TEST

START_TEST(image_too_big)
{
	static const unsigned char png[8] = { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a };
	char path[128], why[WHY_SIZE];
	char *uri = NULL;
	int fd;

	path_in_tmp(path, sizeof(path), "big.png");
	write_file(path, png, sizeof(png));
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)11 << 20), 0);
	expect_image_fail(path, -EFBIG, "larger than 10 MiB");

	/* exactly 10 MiB is still allowed */
	ck_assert_int_eq(ftruncate(fd, (off_t)10 << 20), 0);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(cgfs_image_data_uri(NULL, path, &uri, why, sizeof(why)), 0);
	ck_assert_uint_eq(strlen(uri),
			  strlen("data:image/png;base64,") + 4 * (((10u << 20) + 2) / 3));
	ck_assert_int_eq(strncmp(uri, "data:image/png;base64,iVBORw0KGgoAAAAA", 38), 0);
	free(uri);
}
END_TEST

static Suite *draft_suite(void)
{
	Suite *s = suite_create("draft");
	TCase *tc;

	tc = tcase_create("no_front_matter");
	tcase_add_test(tc, plain_text_is_the_prompt);
	tcase_add_test(tc, plain_crlf_text_kept_exactly);
	tcase_add_test(tc, fence_later_is_prompt_text);
	tcase_add_test(tc, four_dashes_open_nothing);
	tcase_add_test(tc, text_not_nul_terminated);
	tcase_add_test(tc, prompt_with_nul_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("front_matter");
	tcase_add_test(tc, design_example_every_field);
	tcase_add_test(tc, fences_with_spaces_and_crlf);
	tcase_add_test(tc, comments_and_blank_lines);
	tcase_add_test(tc, repo_as_id);
	tcase_add_test(tc, repo_as_name);
	tcase_add_test(tc, empty_front_matter);
	tcase_add_test(tc, quoted_values_lose_their_quotes);
	tcase_add_test(tc, block_mapping_metadata_typed_as_json);
	tcase_add_test(tc, image_lists);
	tcase_add_test(tc, flow_mapping_and_document_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, unknown_key);
	tcase_add_test(tc, line_numbers_count_comments_and_crlf);
	tcase_add_test(tc, line_without_colon);
	tcase_add_test(tc, duplicate_key);
	tcase_add_test(tc, empty_value);
	tcase_add_test(tc, metadata_not_yaml);
	tcase_add_test(tc, metadata_not_object);
	tcase_add_test(tc, metadata_followed_by_junk);
	tcase_add_test(tc, one_value_keys_take_one_value);
	tcase_add_test(tc, image_values);
	tcase_add_test(tc, yaml_features_refused);
	tcase_add_test(tc, tabs_and_deep_metadata);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, missing_closing_fence);
	tcase_add_test(tc, why_is_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("empty");
	tcase_add_test(tc, empty_text);
	tcase_add_test(tc, whitespace_text);
	tcase_add_test(tc, front_matter_then_whitespace);
	suite_add_tcase(s, tc);

	tc = tcase_create("scratch");
	tcase_add_test(tc, scratch_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("images");
	tcase_add_checked_fixture(tc, image_setup, image_teardown);
	tcase_add_test(tc, image_png);
	tcase_add_test(tc, image_jpeg_padding);
	tcase_add_test(tc, image_gif);
	tcase_add_test(tc, image_webp);
	tcase_add_test(tc, image_all_byte_values);
	tcase_add_test(tc, image_text_file);
	tcase_add_test(tc, image_relative_to_the_writers_directory);
	tcase_add_test(tc, image_missing);
	tcase_add_test(tc, image_directory_and_fifo);
	tcase_add_test(tc, image_too_big);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(draft_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
