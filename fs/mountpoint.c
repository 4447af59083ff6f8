/* mountpoint.c - whether the directory given to mount on can be used (see
 * mountpoint.h). */
#include "mountpoint.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* The next space-separated field of *p, NUL-terminated in place; NULL at
 * the end of the line. */
static char *next_field(char **p)
{
	char *start = *p + strspn(*p, " \n"), *end;

	if (!*start)
		return NULL;
	end = start + strcspn(start, " \n");
	*p = *end ? end + 1 : end;
	*end = '\0';
	return start;
}

/* Whether real is the mount point of a mount, per /proc/self/mountinfo;
 * 1 with its type and source in type/source, else 0 (also when mountinfo
 * cannot be read: the kernel then decides). */
static int mounted_at(const char *real, char *type, size_t type_size, char *source,
		      size_t source_size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *p, *field, *point, *dash;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		/* id parent major:minor root POINT options ... - TYPE SOURCE opts */
		p = line;
		point = NULL;
		for (int i = 0; i < 5 && (field = next_field(&p)); i++)
			point = i == 4 ? field : NULL;
		if (!point)
			continue;
		unescape(point);
		if (strcmp(point, real))
			continue;
		found = 1;
		snprintf(type, type_size, "?");
		snprintf(source, source_size, "?");
		while ((dash = next_field(&p)) && strcmp(dash, "-"))
			;
		if (dash && (field = next_field(&p))) {
			snprintf(type, type_size, "%s", field);
			if ((field = next_field(&p))) {
				unescape(field);
				snprintf(source, source_size, "%s", field);
			}
		}
	}
	free(line);
	fclose(f);
	return found;
}

/* path failed with ENOTCONN: the dead mount is the topmost directory on the
 * way to it that fails so too (its parent is a live filesystem).  statfs,
 * not stat: the kernel may still answer stat from attributes it holds,
 * while statfs always asks the (dead) daemon. */
static void report_dead_mount(const char *path)
{
	char abs[PATH_MAX], dead[PATH_MAX], *slash;
	struct statfs sfs;

	if (path[0] == '/' || !getcwd(abs, sizeof(abs)))
		snprintf(abs, sizeof(abs), "%s", path);
	else
		snprintf(abs + strlen(abs), sizeof(abs) - strlen(abs), "/%s", path);
	snprintf(dead, sizeof(dead), "%s", abs);
	while ((slash = strrchr(abs, '/')) && slash != abs) {
		*slash = '\0';
		if (statfs(abs, &sfs) == 0 || errno != ENOTCONN)
			break;
		snprintf(dead, sizeof(dead), "%s", abs);
	}
	fprintf(stderr, "codegen-fs: cannot mount on %s: %s: %s is a FUSE mount whose daemon "
		"has died; run: fusermount3 -u %s\n", path, strerror(ENOTCONN), dead, dead);
}

char *cgfs_mountpoint_check(const char *path)
{
	char type[64], source[256], *real;
	struct statfs sfs;
	struct stat st;
	int fd;
	char end;

	if (sscanf(path, "/dev/fd/%d%c", &fd, &end) == 1 && fd >= 0)
		return strdup(path);
	if (stat(path, &st) || statfs(path, &sfs)) {
		if (errno == ENOTCONN)
			report_dead_mount(path);
		else if (errno == ENOENT)
			fprintf(stderr, "codegen-fs: cannot mount on %s: no such directory "
				"(mkdir it first)\n", path);
		else
			fprintf(stderr, "codegen-fs: cannot mount on %s: %s\n", path,
				strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "codegen-fs: cannot mount on %s: not a directory\n", path);
		return NULL;
	}
	real = realpath(path, NULL);
	if (!real) {
		fprintf(stderr, "codegen-fs: cannot mount on %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (mounted_at(real, type, sizeof(type), source, sizeof(source))) {
		fprintf(stderr, "codegen-fs: cannot mount on %s: already a mount point (%s, "
			"type %s); unmount it first (fusermount3 -u %s)\n", path, source, type,
			real);
		free(real);
		return NULL;
	}
	return real;
}
