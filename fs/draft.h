/* draft.h - what a prompt file in an outbox (`new/`) asks for.
 *
 * A draft is the text a user wrote into new/<name>.  Optional front matter
 * sets fields of the create request; everything after it is the prompt
 * (DESIGN.md §3):
 *
 *     ---
 *     repo: 456            # repo id or name
 *     model: claude-sonnet-4
 *     agent_type: claude_code
 *     metadata: {"ticket": "PAY-12"}
 *     image: /home/me/screenshot.png    # a path or a list; repeatable
 *     ---
 *     Add retries to the payment client.
 *
 * Pure functions (no FUSE, no network): parse, recognise editor scratch
 * names, turn an image file into a data URI.
 */
#ifndef CGFS_DRAFT_H
#define CGFS_DRAFT_H

#include <stddef.h>

struct cgfs_draft {
	char *prompt;          /* the bytes after the front matter, exactly */
	char *repo;            /* as written: an id ("456") or a name; NULL if absent */
	char *model;           /* NULL if absent */
	char *agent_type;      /* NULL if absent */
	char *metadata;        /* compact JSON of a JSON object; NULL if absent */
	char **images;         /* image paths, in order */
	size_t n_images;
};

/* Parse draft text (len bytes, need not be NUL-terminated).
 *   - Front matter exists only when the text starts with a line "---"
 *     (trailing spaces/CR allowed) and a later line "---" closes it;
 *     without a closing line the text is refused (-EINVAL).
 *   - The lines inside are YAML, read by cgfs_draft_yaml (draft_yaml.h):
 *     one mapping of repo, model, agent_type (single values), metadata (a
 *     mapping) and image (a path or a list; the key may repeat); quotes
 *     are YAML's; anything else gives -EINVAL with the line it is on.
 *   - The prompt is every byte after the closing line (or the whole text),
 *     kept exactly; a prompt of only white space gives -ENODATA (an empty
 *     draft is never sent), one holding a NUL byte -EINVAL (it would be
 *     sent cut short).
 * On success fills *out (free with cgfs_draft_free); on failure writes a
 * one-line reason to why ("front matter line 3: unknown key 'modle'
 * (known: repo, model, agent_type, metadata, image)") and leaves *out
 * untouched. */
int cgfs_draft_parse(const char *text, size_t len, struct cgfs_draft *out,
		     char *why, size_t why_size);
void cgfs_draft_free(struct cgfs_draft *d);

/* 1 when name is an editor's scratch file that must never be sent:
 * dotfiles (".x", ".x.swp", gedit's ".goutputstream-*"), "x~", "#x#",
 * "*.swp"/"*.swo"/... ("*.sw?"), "*.vsctmp", "*___jb_tmp___" and
 * "*___jb_old___"; else 0.  vim's "4913" probe needs no rule: vim never
 * writes it, and an empty draft is never sent. */
int cgfs_draft_is_scratch(const char *name);

/* A held draft is kept and saved as often as one likes, and sent only when
 * renamed onto a plain name (`mv new/x.draft new/x`). */
#define CGFS_DRAFT_HELD_SUFFIX ".draft"

/* 1 when name is a held draft's: "<something>.draft" that is not a
 * scratch name; else 0. */
int cgfs_draft_is_held(const char *name);

/* Read an image file (at most 10 MiB) and make a data URI
 * "data:image/<png|jpeg|gif|webp>;base64,<...>", the type told by the
 * file's magic bytes.  A relative path is taken in directory dir (the
 * writer's working directory; NULL when unknown gives -EINVAL).  On
 * success *uri is malloc'd.  -ENOENT/-EACCES (cannot read), -EFBIG (too
 * large), -EINVAL (not a known image type), with the reason in why. */
int cgfs_image_data_uri(const char *dir, const char *path, char **uri, char *why,
			size_t why_size);

#endif
