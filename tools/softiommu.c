/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softiommu - the command-line front end.
 *
 *   softiommu run [--device SPEC]... [--devices FILE]... [--] PROG [ARGS...]
 *                                       run PROG with the preload library (and
 *                                       emulated PCI functions)
 *   softiommu info                      version, emulated nodes, preload path
 *   softiommu demo [--ioas]             the vSVA demo; --ioas: the IOAS client
 *                                       through the preload library
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
#define DEVICES_ENV "SOFTIOMMU_DEVICES"

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
static int cmd_stats(int argc, char **argv);

static const struct command commands[] = {
	{ "run", cmd_run, "[OPTIONS] PROG [ARGS...]",
	  "run PROG with " PRELOAD_NAME " prepended to LD_PRELOAD\n"
	  "                               (run -h: emulated PCI functions)" },
	{ "info", cmd_info, "",
	  "show the version, the emulated nodes and the preload library" },
	{ "demo", cmd_demo, "[--ioas]",
	  "run the vSVA demo (VT-d nesting, PASIDs, page requests,\n"
	  "                               IOMMU counters at every step); --ioas: the IOAS\n"
	  "                               client through the preload library" },
	{ "stats", cmd_stats, "[--] PROG [ARGS...]",
	  "run PROG like \"run\" and print the IOMMU counters when it exits" },
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
		"  %-28s else %s/%s)\n"
		"  %-28s emulated PCI functions the preload library creates\n",
		PRELOAD_ENV, "", SIO_LIBDIR, PRELOAD_NAME, DEVICES_ENV);
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
	fprintf(out, "usage: softiommu run [--device SPEC]... [--devices FILE]... [--] PROG "
		"[ARGS...]\n\n"
		"  --device SPEC    add an emulated PCI function, e.g.\n"
		"                   vtd,bdf=0000:00:04.0,pasid=20,pri,ats (see docs/devices.md)\n"
		"  --devices FILE   add the functions FILE describes, one per line\n");
	return status;
}

/*
 * Append the device description @spec to the ';'-separated list *@list
 * after checking it; @where names its origin in messages.
 * Return: 0, or EXIT_USAGE / EXIT_RUN_FAILED.
 */
static int add_device(char **list, const char *spec, const char *where)
{
	struct sio_device_desc desc;
	size_t old = *list ? strlen(*list) : 0;
	char *grown;

	if (strchr(spec, ';') || sio_device_parse(spec, &desc)) {
		fprintf(stderr, "softiommu run: %s: invalid device description \"%s\"\n", where,
			spec);
		return EXIT_USAGE;
	}
	grown = realloc(*list, old + strlen(spec) + 2);
	if (!grown) {
		perror("softiommu");
		return EXIT_RUN_FAILED;
	}
	snprintf(grown + old, strlen(spec) + 2, "%s%s", old ? ";" : "", spec);
	*list = grown;
	return 0;
}

/* Every description of @path (one per line; blank lines and '#' comments skipped). */
static int add_devices_file(char **list, const char *path)
{
	char *line = NULL, where[PATH_MAX + 32];
	unsigned int lineno = 0;
	size_t cap = 0;
	int rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "softiommu run: %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	while (!rc && getline(&line, &cap, f) >= 0) {
		char *s = line, *end;

		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		end = s + strlen(s);
		while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
				   end[-1] == '\t'))
			*--end = '\0';
		if (!*s || *s == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		rc = add_device(list, s, where);
	}
	free(line);
	fclose(f);
	return rc;
}

/*
 * The options of "run": --device SPEC, --devices FILE (also as
 * --opt=value), -h. Sets *first to the index of PROG and *devices to the
 * descriptions given (NULL if none). Return: -1 to go on, else an exit status.
 */
static int run_options(int argc, char **argv, int *first, char **devices)
{
	int i, rc;

	*devices = NULL;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *opt = argv[i], *val = NULL;
		bool file;

		if (!strcmp(opt, "--")) {
			i++;
			break;
		}
		if (!strcmp(opt, "-h") || !strcmp(opt, "--help"))
			return run_usage(stdout, EXIT_SUCCESS);
		if (!strncmp(opt, "--device=", 9) || !strncmp(opt, "--devices=", 10)) {
			val = strchr(opt, '=') + 1;
		} else if (!strcmp(opt, "--device") || !strcmp(opt, "--devices")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "softiommu run: %s needs an argument\n", opt);
				return run_usage(stderr, EXIT_USAGE);
			}
			val = argv[++i];
		} else {
			fprintf(stderr, "softiommu run: unknown option '%s'\n", opt);
			return run_usage(stderr, EXIT_USAGE);
		}
		file = !strncmp(opt, "--devices", 9);
		rc = file ? add_devices_file(devices, val) : add_device(devices, val, "--device");
		if (rc)
			return rc;
	}
	*first = i;
	if (i >= argc)
		return run_usage(stderr, EXIT_USAGE);
	return -1;
}

/* $SOFTIOMMU_DEVICES: what it already holds, then @devices. */
static int export_devices(const char *devices)
{
	const char *old = getenv(DEVICES_ENV);
	size_t len;
	char *val;
	int rc;

	if (!devices)
		return 0;
	len = (old ? strlen(old) + 1 : 0) + strlen(devices) + 1;
	val = malloc(len);
	if (!val) {
		perror("softiommu");
		return EXIT_RUN_FAILED;
	}
	snprintf(val, len, "%s%s%s", old && *old ? old : "", old && *old ? ";" : "", devices);
	rc = setenv(DEVICES_ENV, val, 1);
	free(val);
	if (rc) {
		perror("softiommu: setenv");
		return EXIT_RUN_FAILED;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	char exe_buf[PATH_MAX], abs_buf[PATH_MAX];
	const char *origin, *lib;
	char *preload, *devices;
	int first = 1, rc;

	rc = run_options(argc, argv, &first, &devices);
	if (rc >= 0) {
		free(devices);
		return rc;
	}
	rc = export_devices(devices);
	free(devices);
	if (rc)
		return rc;

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
 * The path of example client @name: the build tree's examples/@name next to
 * this program if there is one, else the installed one. @buf holds it.
 */
static const char *demo_path(const char *name, char *buf, size_t size)
{
	static const char installed[] = SIO_LIBEXECDIR "/softiommu/";
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", buf, size);
	if (n > 0 && (size_t)n < size) {
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash && (size_t)snprintf(slash, size - (size_t)(slash - buf),
					      "/../examples/%s", name) <
			     size - (size_t)(slash - buf) && access(buf, X_OK) == 0)
			return buf;
	}
	snprintf(buf, size, "%s%s", installed, name);
	return buf;
}

/*
 * "demo": the vSVA demo (examples/vsva_demo, linked with libsoftiommu: it
 * needs no preload) is executed directly. "demo --ioas": the IOAS client
 * ($SOFTIOMMU_DEMO, else examples/ioas_demo, plain libc) is run as "run"
 * would, through the preload library.
 */
static int cmd_demo(int argc, char **argv)
{
	char buf[PATH_MAX];
	const char *demo;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--ioas"))) {
		fprintf(stderr, "usage: softiommu demo [--ioas]\n");
		return EXIT_USAGE;
	}
	if (argc == 2) {
		char *run_argv[] = { "run", "--", NULL, NULL };

		demo = getenv("SOFTIOMMU_DEMO");
		if (!demo || !*demo)
			demo = demo_path("ioas_demo", buf, sizeof(buf));
		run_argv[2] = (char *)demo;
		return cmd_run(3, run_argv);
	}
	demo = demo_path("vsva_demo", buf, sizeof(buf));
	execl(demo, demo, (char *)NULL);
	fprintf(stderr, "softiommu: cannot execute %s: %s\n", demo, strerror(errno));
	return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/* As "run", with the library told to print its IOMMU counters at exit. */
static int cmd_stats(int argc, char **argv)
{
	if (setenv("SOFTIOMMU_STATS", "1", 1)) {
		perror("softiommu: setenv");
		return EXIT_RUN_FAILED;
	}
	return cmd_run(argc, argv);
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
