/* main.c - the codegen-fs command.
 *
 * Until the mount lands this answers --help and --version only; every other
 * invocation explains that mounting is not implemented yet and exits 2.
 */
#include <stdio.h>
#include <string.h>

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [options] MOUNTPOINT\n"
		"\n"
		"Mount the Codegen platform (AI coding agent runs) as a directory tree.\n"
		"\n"
		"  -h, --help       print this help and exit\n"
		"  -V, --version    print the version and exit\n"
		"\n"
		"Environment:\n"
		"  CODEGEN_API_BASE_URL        API base URL (default https://api.codegen.com)\n"
		"  CODEGEN_API_TOKEN           API token (or CODEGEN_USER_ACCESS_TOKEN,\n"
		"                              or ~/.codegen/auth.json)\n",
		prog);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout, argv[0]);
			return 0;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("codegen-fs %s\n", CGFS_VERSION);
			return 0;
		}
	}
	usage(stderr, argv[0]);
	fprintf(stderr, "%s: mounting is not implemented yet\n", argv[0]);
	return 2;
}
