/* cg_auth.h - where the API token comes from, and which base URLs are safe.
 *
 * The token is a secret: it is read from the environment or from a file the
 * user alone can read, never from argv; it is validated so that it cannot
 * smuggle header lines; callers wipe it with cg_token_free().
 */
#ifndef CG_AUTH_H
#define CG_AUTH_H

#include <stddef.h>

#define CG_DEFAULT_BASE_URL "https://api.codegen.com"

enum cg_token_source {
	CG_TOKEN_FROM_FILE,        /* --token-file */
	CG_TOKEN_FROM_ENV_API,     /* CODEGEN_API_TOKEN */
	CG_TOKEN_FROM_ENV_USER,    /* CODEGEN_USER_ACCESS_TOKEN */
	CG_TOKEN_FROM_CLI_AUTH,    /* ~/.codegen/auth.json of the official CLI */
};

/* Where to look.  Fields left NULL are looked up in the environment
 * (getenv) by cg_token_find; tests pass them explicitly. */
struct cg_token_query {
	const char *token_file;    /* explicit file: wins over everything */
	const char *env_api_token; /* value of CODEGEN_API_TOKEN */
	const char *env_user_token;/* value of CODEGEN_USER_ACCESS_TOKEN */
	const char *home;          /* for ~/.codegen/auth.json (else cg_home_dir()) */
	int use_environment;       /* 1: fill NULL fields from getenv() */
};

/* The user's home: $HOME when it is set and absolute, else the home
 * directory of the real uid in the password database (a mount made at
 * boot, from fstab, has no HOME).  malloc'd (the caller frees), or NULL. */
char *cg_home_dir(void);

/* Find the token: token_file, then CODEGEN_API_TOKEN, then
 * CODEGEN_USER_ACCESS_TOKEN, then ~/.codegen/auth.json ({"token": ...}),
 * ~ from cg_home_dir() when q->home is NULL and use_environment is set.
 * A file must be a regular file not readable by group or others.
 * On success *token is malloc'd (free with cg_token_free) and *source says
 * where it came from.  Errors (message in why, never containing the token):
 *   -ENOENT no source has a token; -EACCES a file is readable by others;
 *   -EINVAL a token is empty, too long or has bytes not allowed in a header. */
int cg_token_find(const struct cg_token_query *q, char **token,
		  enum cg_token_source *source, char *why, size_t why_size);

/* Read one token file.  json=1: the file is {"token": "..."}; json=0: the
 * file holds the token (surrounding white space ignored).  Same errors as
 * cg_token_find (-ENOENT when the file does not exist). */
int cg_token_read_file(const char *path, int json, char **token,
		       char *why, size_t why_size);

/* Check a token's characters: visible ASCII only, 1..4096 bytes. */
int cg_token_check(const char *token, char *why, size_t why_size);

/* Wipe and free a token; accepts NULL. */
void cg_token_free(char *token);

/* Human name of a source, for messages ("CODEGEN_API_TOKEN"). */
const char *cg_token_source_name(enum cg_token_source source);

/* The base URL policy: https:// always; http:// only when the host is
 * loopback (localhost, 127.0.0.0/8, ::1); nothing else; no user:password.
 * On success returns 0 and, when out is not NULL, a malloc'd copy without
 * trailing slashes.  -EINVAL with the reason in why otherwise. */
int cg_base_url_check(const char *url, char **out, char *why, size_t why_size);

#endif
