/* draft_yaml.h - the front matter of a draft, read as YAML (libyaml).
 *
 * draft.c finds the front matter (the lines between a first line "---"
 * and the next "---") and the prompt after it; this module turns those
 * lines into the request fields of struct cgfs_draft, as a YAML mapping:
 *
 *     repo: 456                        # an id, or a repo's name
 *     model: "claude-sonnet-4"         # quotes are YAML's, not the value's
 *     agent_type: claude_code          # codegen | claude_code
 *     metadata:                        # a mapping: block or {flow}
 *       ticket: PAY-12
 *       labels: [api, retries]
 *     image: [a.png, /tmp/b.png]       # a path, or a list of paths
 *
 * Kept apart from draft.c so that the YAML rules (what a value may be,
 * how plain scalars become JSON in metadata) are one module, fuzzed and
 * tested on their own.  No FUSE, no network.
 */
#ifndef CGFS_DRAFT_YAML_H
#define CGFS_DRAFT_YAML_H

#include <stddef.h>

#include "draft.h"

/* At most this many image paths in one draft (each may be 10 MiB). */
#define CGFS_DRAFT_IMAGES_MAX 16

/* Read the front matter text (len bytes, need not be NUL-terminated; its
 * first byte is on line first_line of the draft) into d's repo, model,
 * agent_type, metadata and images, which must be unset.  The text must be
 * one YAML mapping (or nothing but comments and blank lines) whose keys
 * are those of CreateAgentRunInput that a user sets:
 *   - repo, model, agent_type: one scalar each, taken as its text
 *     (`model: "x"` is x); agent_type is codegen or claude_code;
 *   - metadata: a mapping, sent as the JSON object it reads as (plain
 *     scalars typed as YAML 1.2's core schema: null, true/false, numbers;
 *     anything quoted is a string);
 *   - image: a path or a list of paths; the key may also repeat.
 * Refused with -EINVAL and a reason naming the draft's line ("front matter
 * line 3: unknown key 'modle' (known: ...)"): YAML syntax errors, unknown
 * or repeated keys, empty values (`model:`, `model: ""`, `model: null`),
 * a list or mapping where one value goes, aliases (`*x`), tags other
 * than !!str, NUL bytes, metadata nested deeper than 32 levels or of more
 * than 4096 values, more than CGFS_DRAFT_IMAGES_MAX images.  -ENOMEM when
 * memory runs out.  What was set in d on failure is the caller's to free
 * (cgfs_draft_free). */
int cgfs_draft_yaml(struct cgfs_draft *d, const char *text, size_t len, unsigned first_line,
		    char *why, size_t why_size);

#endif
