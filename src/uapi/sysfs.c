/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The private sysfs/dev tree (see sysfs.h). Layout under the root R, for a
 * function with index N at bus address B ("0000:00:04.0"):
 *
 *   R/sys/bus/pci/devices/B/{vendor,device,class,uevent}
 *   R/sys/bus/pci/devices/B/vfio-dev/vfioN/{dev,uevent}
 *   R/sys/class/vfio-dev/vfioN/{dev,uevent}
 *   R/dev/vfio/vfio, R/dev/vfio/devices/vfioN      (empty, for listings)
 *
 * Every file is written with raw system calls: the preload library
 * interposes the libc ones and would route them back here.
 *
 * Invariants: root[] is set once (under the lock) and never changes while
 * the library is loaded; root_made is published after it (release).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/sys.h"
#include "uapi/nodes.h"
#include "uapi/sysfs.h"

/* What the sysfs files say about every function: a QEMU "pci-testdev". */
#define PCI_VENDOR_ID_REDHAT 0x1b36
#define PCI_DEVICE_ID_TESTDEV 0x0005
#define PCI_CLASS_OTHERS 0xff0000

static pthread_mutex_t sysfs_lock_initial = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *sysfs_lock_ptr = &sysfs_lock_initial;

static char root[PATH_MAX];
static bool root_made;
static pid_t root_pid;

void sio_sysfs_lock(void)
{
	pthread_mutex_lock(sysfs_lock_ptr);
}

void sio_sysfs_unlock(void)
{
	pthread_mutex_unlock(sysfs_lock_ptr);
}

static void bdf_name(const struct sio_pcidev_cfg *cfg, char out[16])
{
	snprintf(out, 16, "%04x:%02x:%02x.%x", cfg->segment, cfg->bus, cfg->devfn >> 3,
		 cfg->devfn & 7);
}

/* "R" + @rel into @out; -ENAMETOOLONG when it does not fit. */
static int root_path(char *out, size_t size, const char *rel)
{
	int n = snprintf(out, size, "%s%s", root, rel);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int make_dir(const char *rel)
{
	char path[PATH_MAX];
	int rc = root_path(path, sizeof(path), rel);

	if (rc)
		return rc;
	if (sio_sys_mkdirat(AT_FDCWD, path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_file(const char *rel, const char *content)
{
	char path[PATH_MAX];
	size_t len = strlen(content);
	int fd, rc = root_path(path, sizeof(path), rel);

	if (rc)
		return rc;
	fd = sio_sys_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (sio_sys_write(fd, content, len) != (ssize_t)len)
		rc = -EIO;
	sio_sys_close(fd);
	return rc;
}

/* Remove @path and everything below it; a missing @path is not an error. */
static void remove_tree(const char *path)
{
	char buf[4096], child[PATH_MAX];
	int fd;

	if (!sio_sys_unlinkat(AT_FDCWD, path, 0) || errno == ENOENT)
		return;
	fd = sio_sys_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	for (;;) {
		long n = sio_sys_getdents64(fd, buf, sizeof(buf)), off;

		if (n <= 0)
			break;
		for (off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(buf + off);

			off += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (snprintf(child, sizeof(child), "%s/%s", path, de->d_name) <
			    (int)sizeof(child))
				remove_tree(child);
		}
	}
	sio_sys_close(fd);
	sio_sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

static void remove_rel(const char *rel)
{
	char path[PATH_MAX];

	if (!root_path(path, sizeof(path), rel))
		remove_tree(path);
}

int sio_sysfs_add(unsigned int index, const struct sio_pcidev_cfg *cfg)
{
	char bdf[16], dir[128], rel[192], text[128];
	static const char *const class_dirs[] = { "/sys/bus/pci/devices/%s/vfio-dev/vfio%u",
						  "/sys/class/vfio-dev/vfio%u" };
	unsigned int i;
	int rc;

	if (!__atomic_load_n(&root_made, __ATOMIC_ACQUIRE))
		return 0;	/* made lazily, with every function, on first need */
	bdf_name(cfg, bdf);

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", bdf);
	rc = make_dir(dir);
	snprintf(rel, sizeof(rel), "%s/vendor", dir);
	snprintf(text, sizeof(text), "0x%04x\n", PCI_VENDOR_ID_REDHAT);
	rc = rc ?: write_file(rel, text);
	snprintf(rel, sizeof(rel), "%s/device", dir);
	snprintf(text, sizeof(text), "0x%04x\n", PCI_DEVICE_ID_TESTDEV);
	rc = rc ?: write_file(rel, text);
	snprintf(rel, sizeof(rel), "%s/class", dir);
	snprintf(text, sizeof(text), "0x%06x\n", PCI_CLASS_OTHERS);
	rc = rc ?: write_file(rel, text);
	snprintf(rel, sizeof(rel), "%s/uevent", dir);
	snprintf(text, sizeof(text), "DRIVER=vfio-pci\nPCI_CLASS=%X\nPCI_ID=%04X:%04X\n"
		 "PCI_SLOT_NAME=%s\n", PCI_CLASS_OTHERS, PCI_VENDOR_ID_REDHAT,
		 PCI_DEVICE_ID_TESTDEV, bdf);
	rc = rc ?: write_file(rel, text);
	snprintf(rel, sizeof(rel), "%s/vfio-dev", dir);
	rc = rc ?: make_dir(rel);

	for (i = 0; i < 2 && !rc; i++) {
		if (i == 0)
			snprintf(dir, sizeof(dir), class_dirs[0], bdf, index);
		else
			snprintf(dir, sizeof(dir), class_dirs[1], index);
		rc = make_dir(dir);
		snprintf(rel, sizeof(rel), "%s/dev", dir);
		snprintf(text, sizeof(text), "%u:%u\n", SIO_VFIO_DEV_MAJOR, index);
		rc = rc ?: write_file(rel, text);
		snprintf(rel, sizeof(rel), "%s/uevent", dir);
		snprintf(text, sizeof(text), "MAJOR=%u\nMINOR=%u\nDEVNAME=vfio/devices/vfio%u\n",
			 SIO_VFIO_DEV_MAJOR, index, index);
		rc = rc ?: write_file(rel, text);
	}
	snprintf(rel, sizeof(rel), "/dev/vfio/devices/vfio%u", index);
	rc = rc ?: write_file(rel, "");
	if (rc) {
		sio_warn("sysfs entries of vfio%u: %s", index, strerror(-rc));
		sio_sysfs_remove(index, cfg);
	}
	return rc;
}

void sio_sysfs_remove(unsigned int index, const struct sio_pcidev_cfg *cfg)
{
	char bdf[16], rel[128];

	if (!__atomic_load_n(&root_made, __ATOMIC_ACQUIRE))
		return;
	bdf_name(cfg, bdf);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", bdf);
	remove_rel(rel);
	snprintf(rel, sizeof(rel), "/sys/class/vfio-dev/vfio%u", index);
	remove_rel(rel);
	snprintf(rel, sizeof(rel), "/dev/vfio/devices/vfio%u", index);
	remove_rel(rel);
}

/* The directory the private tree goes in: the runtime dir, $TMPDIR or /tmp. */
static const char *base_dir(void)
{
	static const char *const vars[] = { "XDG_RUNTIME_DIR", "TMPDIR" };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		const char *v = getenv(vars[i]);
		struct stat st;

		if (v && v[0] == '/' && strlen(v) < PATH_MAX / 2 && !stat(v, &st) &&
		    S_ISDIR(st.st_mode) && !access(v, W_OK | X_OK))
			return v;
	}
	return "/tmp";
}

/*
 * Remove trees that earlier images of this process (before an exec, which
 * runs no destructor) or dead processes left in @base: "softiommu-<pid>.*"
 * owned by us whose <pid> is ours or no longer exists.
 */
static void sweep_stale(const char *base)
{
	char buf[4096], path[PATH_MAX];
	int fd = sio_sys_openat(AT_FDCWD, base, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	if (fd < 0)
		return;
	for (;;) {
		long n = sio_sys_getdents64(fd, buf, sizeof(buf)), off;

		if (n <= 0)
			break;
		for (off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(buf + off);
			struct stat st;
			char *end;
			long pid;

			off += de->d_reclen;
			if (strncmp(de->d_name, "softiommu-", 10))
				continue;
			pid = strtol(de->d_name + 10, &end, 10);
			if (*end != '.' || pid <= 0)
				continue;
			if (pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", base, de->d_name) >=
			    (int)sizeof(path))
				continue;
			if (lstat(path, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
				continue;
			remove_tree(path);
		}
	}
	sio_sys_close(fd);
}

/* Create the tree with every current function. Sysfs lock held. */
static int make_root_locked(void)
{
	static const char *const dirs[] = {
		"/dev", "/dev/vfio", "/dev/vfio/devices", "/sys", "/sys/class",
		"/sys/class/vfio-dev", "/sys/bus", "/sys/bus/pci", "/sys/bus/pci/devices",
	};
	const char *base = base_dir();
	unsigned int i;
	int rc = 0, index;

	if (__atomic_load_n(&root_made, __ATOMIC_ACQUIRE))
		return 0;
	sweep_stale(base);
	if (snprintf(root, sizeof(root), "%s/softiommu-%d.XXXXXX", base, (int)getpid()) >=
	    (int)sizeof(root) / 2)
		return -ENAMETOOLONG;
	if (!mkdtemp(root)) {
		rc = -errno;
		sio_err("cannot create the private sysfs tree in %s: %s", base, strerror(-rc));
		root[0] = '\0';
		return rc;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !rc; i++)
		rc = make_dir(dirs[i]);
	rc = rc ?: write_file("/dev/vfio/vfio", "");
	if (rc) {
		remove_tree(root);
		root[0] = '\0';
		return rc;
	}
	root_pid = getpid();
	__atomic_store_n(&root_made, true, __ATOMIC_RELEASE);
	for (index = sio_pcidev_next(0); index >= 0; index = sio_pcidev_next(index + 1)) {
		struct sio_pcidev_cfg cfg;

		if (!sio_pcidev_get_cfg((unsigned int)index, &cfg))
			sio_sysfs_add((unsigned int)index, &cfg);
	}
	sio_info("private sysfs tree: %s", root);
	return 0;
}

/* Whether @path is @prefix or lies below it. */
static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse @n lowercase hex digits. */
static long hex_field(const char *s, unsigned int n)
{
	long v = 0;

	while (n--) {
		int d = hexval(*s++);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Whether the component at @s ("ssss:bb:dd.f", then '\0' or '/') names a function. */
static bool emulated_bdf(const char *s)
{
	long seg = hex_field(s, 4), bus = hex_field(s + 5, 2), dev = hex_field(s + 8, 2);
	long fn = hex_field(s + 11, 1);

	if (seg < 0 || s[4] != ':' || bus < 0 || s[7] != ':' || dev < 0 || dev > 31 ||
	    s[10] != '.' || fn < 0 || fn > 7 || (s[12] != '\0' && s[12] != '/'))
		return false;
	return sio_pcidev_find((uint16_t)seg, (uint8_t)bus, (uint8_t)(dev << 3 | fn)) >= 0;
}

int sio_sysfs_redirect(const char *norm, char *out, size_t out_size)
{
	static const char pci_devices[] = "/sys/bus/pci/devices/";
	int rc;

	if (!sio_pcidev_any())
		return 0;
	if (strcmp(norm, "/dev/vfio") && strcmp(norm, "/dev/vfio/devices") &&
	    !under(norm, "/sys/class/vfio-dev") &&
	    (strncmp(norm, pci_devices, sizeof(pci_devices) - 1) ||
	     !emulated_bdf(norm + sizeof(pci_devices) - 1)))
		return 0;
	if (!__atomic_load_n(&root_made, __ATOMIC_ACQUIRE)) {
		sio_sysfs_lock();
		rc = make_root_locked();
		sio_sysfs_unlock();
		if (rc)
			return rc;
	}
	rc = snprintf(out, out_size, "%s%s", root, norm);
	return rc < 0 || (size_t)rc >= out_size ? -ENAMETOOLONG : 1;
}

static void atfork_child(void)
{
	pthread_mutex_t *fresh = malloc(sizeof(*fresh));

	if (fresh && !pthread_mutex_init(fresh, NULL)) {
		sysfs_lock_ptr = fresh;
	} else {
		free(fresh);
		pthread_mutex_init(sysfs_lock_ptr, NULL);
	}
}

__attribute__((constructor)) static void sysfs_init(void)
{
	pthread_atfork(NULL, NULL, atfork_child);
}

/* The process that made the tree removes it; a forked child leaves it alone. */
__attribute__((destructor)) static void sysfs_fini(void)
{
	if (__atomic_load_n(&root_made, __ATOMIC_ACQUIRE) && root_pid == getpid())
		remove_tree(root);
}
