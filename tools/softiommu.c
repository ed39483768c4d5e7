/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softiommu - the command-line front end.
 *
 *   softiommu run [--] PROG [ARGS...]   run PROG with the preload library
 *   softiommu info                      version, emulated nodes, preload path
 *   softiommu help                      usage
 *
 * Exit status of "run" when PROG is not started, as env(1) and the shell do:
 * 125 softiommu itself failed, 126 PROG could not be executed, 127 PROG was
 * not found. Otherwise PROG's own status (it replaces this process).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <softiommu/softiommu.h>

#include "sio_config.h"

#define EXIT_USAGE 2
#define EXIT_RUN_FAILED 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

#define PRELOAD_NAME "libsoftiommu-preload.so"
#define PRELOAD_ENV "SOFTIOMMU_PRELOAD"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the command name */
	const char *args;
	const char *help;
};

static int cmd_run(int argc, char **argv);
static int cmd_info(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_demo(int argc, char **argv);

static const struct command commands[] = {
	{ "run", cmd_run, "[--] PROG [ARGS...]",
	  "run PROG with " PRELOAD_NAME " prepended to LD_PRELOAD" },
	{ "info", cmd_info, "",
	  "show the version, the emulated nodes and the preload library" },
	{ "demo", cmd_demo, "", "run the example client through a complete IOAS workflow" },
	{ "help", cmd_help, "", "show this help" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: softiommu COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; i < N_COMMANDS; i++) {
		char head[64];

		snprintf(head, sizeof(head), "%s %s", commands[i].name, commands[i].args);
		fprintf(out, "  %-28s %s\n", head, commands[i].help);
	}
	fprintf(out, "\nenvironment:\n"
		"  %-28s the preload library to use (default: the build tree's,\n"
		"  %-28s else %s/%s)\n",
		PRELOAD_ENV, "", SIO_LIBDIR, PRELOAD_NAME);
}

/*
 * Where the preload library is: $SOFTIOMMU_PRELOAD if set, else the build
 * tree's when this binary runs from the build tree (<builddir>/tools/), else
 * the installed one. @buf holds PATH_MAX bytes; @origin says which rule won.
 * Return: the path (@buf or a static string); it may not exist.
 */
static const char *preload_path(char *buf, const char **origin)
{
	static const char rel[] = "/../src/preload/" PRELOAD_NAME;
	const char *env = getenv(PRELOAD_ENV);
	char *slash;
	ssize_t n;

	if (env && *env) {
		*origin = "$" PRELOAD_ENV;
		return env;
	}

	n = readlink("/proc/self/exe", buf, PATH_MAX - 1);
	if (n > 0) {
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash && (size_t)(slash - buf) + sizeof(rel) <= PATH_MAX) {
			memcpy(slash, rel, sizeof(rel));
			if (access(buf, F_OK) == 0) {
				*origin = "build tree";
				return buf;
			}
		}
	}

	*origin = "installed";
	return SIO_LIBDIR "/" PRELOAD_NAME;
}

/*
 * LD_PRELOAD with @lib in front of what is already there. ld.so splits the
 * list at ':' and ' ', so @lib must contain neither.
 */
static char *ld_preload_with(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	size_t len;
	char *val;

	if (strpbrk(lib, ": ")) {
		fprintf(stderr, "softiommu: %s: LD_PRELOAD cannot hold a path with ':' or ' '\n",
			lib);
		return NULL;
	}
	len = strlen(lib) + (old ? strlen(old) + 1 : 0) + 1;
	val = malloc(len);
	if (!val) {
		perror("softiommu");
		return NULL;
	}
	if (old && *old)
		snprintf(val, len, "%s:%s", lib, old);
	else
		snprintf(val, len, "%s", lib);
	return val;
}

static int run_usage(FILE *out, int status)
{
	fprintf(out, "usage: softiommu run [--] PROG [ARGS...]\n");
	return status;
}

static int cmd_run(int argc, char **argv)
{
	char exe_buf[PATH_MAX], abs_buf[PATH_MAX];
	const char *origin, *lib;
	char *preload;
	int first = 1;

	if (argc > 1 && !strcmp(argv[1], "--")) {
		first = 2;
	} else if (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
			return run_usage(stdout, EXIT_SUCCESS);
		fprintf(stderr, "softiommu run: unknown option '%s'\n", argv[1]);
		return run_usage(stderr, EXIT_USAGE);
	}
	if (first >= argc)
		return run_usage(stderr, EXIT_USAGE);

	lib = preload_path(exe_buf, &origin);
	/* The program may chdir(); give ld.so an absolute path. */
	if (!realpath(lib, abs_buf)) {
		fprintf(stderr, "softiommu: preload library %s (%s): %s\n"
			"softiommu: set %s to its path\n",
			lib, origin, strerror(errno), PRELOAD_ENV);
		return EXIT_RUN_FAILED;
	}

	preload = ld_preload_with(abs_buf);
	if (!preload)
		return EXIT_RUN_FAILED;
	if (setenv("LD_PRELOAD", preload, 1)) {
		perror("softiommu: setenv");
		free(preload);
		return EXIT_RUN_FAILED;
	}
	free(preload);

	execvp(argv[first], &argv[first]);

	if (errno == ENOENT) {
		fprintf(stderr, "softiommu: %s: command not found\n", argv[first]);
		return EXIT_NOT_FOUND;
	}
	fprintf(stderr, "softiommu: cannot execute %s: %s\n", argv[first], strerror(errno));
	return EXIT_CANNOT_EXEC;
}

/* Nodes the emulation may provide; "info" lists those it does. */
#define VFIO_CDEV_MAX 64

static void print_if_emulated(const char *path, bool *any)
{
	if (sio_path_is_emulated(path) == 1) {
		printf("  %s\n", path);
		*any = true;
	}
}

static int cmd_info(int argc, char **argv)
{
	char exe_buf[PATH_MAX], abs_buf[PATH_MAX], node[64];
	const char *origin, *lib;
	bool any = false;
	unsigned int i;

	if (argc > 1) {
		fprintf(stderr, "usage: softiommu info\n");
		return EXIT_USAGE;
	}

	printf("softiommu %s\n", sio_version());

	printf("emulated nodes:\n");
	print_if_emulated(SIO_PATH_IOMMU, &any);
	print_if_emulated("/dev/vfio/vfio", &any);
	for (i = 0; i < VFIO_CDEV_MAX; i++) {
		snprintf(node, sizeof(node), "/dev/vfio/devices/vfio%u", i);
		print_if_emulated(node, &any);
	}
	if (!any)
		printf("  (none)\n");

	lib = preload_path(exe_buf, &origin);
	if (realpath(lib, abs_buf))
		printf("preload library: %s (%s)\n", abs_buf, origin);
	else
		printf("preload library: %s (%s, missing)\n", lib, origin);
	return EXIT_SUCCESS;
}

/*
 * The demo client: $SOFTIOMMU_DEMO, else the build tree's examples/ioas_demo,
 * else the installed one. Runs it as "run" would.
 */
static int cmd_demo(int argc, char **argv)
{
	static const char rel[] = "/../examples/ioas_demo";
	char buf[PATH_MAX];
	const char *demo = getenv("SOFTIOMMU_DEMO");
	char *run_argv[] = { "run", "--", NULL, NULL };
	ssize_t n;

	if (argc > 1) {
		fprintf(stderr, "usage: softiommu demo\n");
		return EXIT_USAGE;
	}
	if (!demo || !*demo) {
		demo = SIO_LIBEXECDIR "/softiommu/ioas_demo";
		n = readlink("/proc/self/exe", buf, sizeof(buf) - sizeof(rel));
		if (n > 0) {
			char *slash;

			buf[n] = '\0';
			slash = strrchr(buf, '/');
			if (slash) {
				memcpy(slash, rel, sizeof(rel));
				if (access(buf, X_OK) == 0)
					demo = buf;
			}
		}
	}
	run_argv[2] = (char *)demo;
	return cmd_run(3, run_argv);
}

static int cmd_help(int argc, char **argv)
{
	usage(stdout);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("softiommu %s\n", sio_version());
		return EXIT_SUCCESS;
	}

	for (i = 0; i < N_COMMANDS; i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "softiommu: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
