/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softiommu — the Linux iommufd user API on a software IOMMU.
 *
 * This header is the C API. It gives a program (or the LD_PRELOAD front end)
 * file descriptors for the emulated nodes (/dev/iommu, ...) and lets it issue
 * the kernel ABI on them: ioctl(), read(), write(), mmap(), close(), with the
 * kernel's semantics, return values and errno.
 *
 * Every fd returned by sio_open() is a real kernel file descriptor (a memfd
 * owned by softiommu), so poll(), dup() done through this API, fork() and
 * CLOEXEC behave as for any file. What the ioctls act on lives in the memory
 * of the process that opened the node; see docs/process-model.md.
 *
 * Conventions, unless a function says otherwise:
 *  - Functions return what the corresponding system call returns: a
 *    non-negative value on success, -1 with errno set on failure.
 *  - errno is left untouched on success.
 *  - All functions are thread-safe and may be called concurrently on the same
 *    or different fds. They are not async-signal-safe.
 *  - Caller pointers are never trusted: a bad pointer yields EFAULT, never a
 *    crash.
 */
#ifndef SOFTIOMMU_SOFTIOMMU_H
#define SOFTIOMMU_SOFTIOMMU_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Paths of the emulated nodes. */
#define SIO_PATH_IOMMU "/dev/iommu"

/**
 * sio_version() - the library version as a string, e.g. "0.1.0".
 * Return: a static string. Thread-safe.
 */
const char *sio_version(void);

/**
 * sio_path_is_emulated() - does @path name an emulated node?
 * @path: absolute path, or a path relative to the current directory.
 *        It is normalised lexically ("//", "/./", "/../"); symlinks are not
 *        followed.
 *
 * Return: 1 if sio_open() would open an emulated node for @path, 0 if not
 * (including a NULL or unreadable @path). Never sets errno.
 */
int sio_path_is_emulated(const char *path);

/**
 * sio_open() - open an emulated node.
 * @path:  as for sio_path_is_emulated().
 * @flags: open(2) flags. O_CLOEXEC and O_NONBLOCK are honoured; O_PATH gives
 *         an fd on which ioctl/read/write/mmap fail with EBADF; O_DIRECTORY
 *         fails with ENOTDIR; O_CREAT|O_EXCL fails with EEXIST.
 *
 * Each successful call creates an independent context, as open("/dev/iommu")
 * does in the kernel.
 *
 * Return: the new fd, or -1 with errno: ENOENT (@path is not emulated),
 * EFAULT (@path unreadable), EMFILE/ENFILE/ENOMEM (resources).
 */
int sio_open(const char *path, int flags);

/**
 * sio_fd_is_emulated() - is @fd an fd this process got from sio_open(), or a
 * duplicate of one made through this API?
 *
 * O(1) and lock-free. Return: 1 or 0. Never sets errno.
 */
int sio_fd_is_emulated(int fd);

/**
 * sio_fd_next_emulated() - the lowest emulated fd >= @from.
 * Return: the fd, or -1 if there is none. Never sets errno.
 */
int sio_fd_next_emulated(int from);

/**
 * sio_ioctl() - ioctl(2) on an emulated fd.
 * @fd:  an emulated fd.
 * @cmd: the request, as the kernel ABI defines it.
 * @arg: the argument (usually a pointer to the ABI struct).
 *
 * Return: as the kernel returns it (0 or a positive value), or -1 with the
 * kernel's errno. EBADF if @fd is not emulated or was opened with O_PATH.
 * EXDEV if @fd was inherited from another process (fork) or passed from one:
 * the context lives in the process that opened it (docs/process-model.md).
 */
int sio_ioctl(int fd, unsigned long cmd, void *arg);

/**
 * sio_read() / sio_write() - read(2)/write(2) on an emulated fd.
 * Nodes without a read or write method fail with EINVAL, as in the kernel.
 * Return: bytes transferred, or -1 with errno (EBADF, EXDEV as sio_ioctl()).
 */
ssize_t sio_read(int fd, void *buf, size_t count);
ssize_t sio_write(int fd, const void *buf, size_t count);

/**
 * sio_mmap() - mmap(2) of an emulated fd.
 * Return: the mapping, or MAP_FAILED with errno as the kernel's mmap of that
 * node would set it (for /dev/iommu with no object regions: ENXIO).
 */
void *sio_mmap(void *addr, size_t length, int prot, int flags, int fd,
	       off_t offset);

/**
 * sio_munmap() - tell softiommu that [@addr, @addr + @length) is unmapped.
 * Performs the munmap(2) and drops the references that mappings of emulated
 * fds in that range held. Return: as munmap(2).
 */
int sio_munmap(void *addr, size_t length);

/**
 * sio_close() - close an emulated fd.
 * Closing the last fd of a node releases it exactly as the kernel does: for
 * /dev/iommu every object is destroyed and every pin released before this
 * returns. Return: 0, or -1 with EBADF.
 */
int sio_close(int fd);

/**
 * sio_dup() / sio_dup3() / sio_fcntl_dupfd() - duplicate an emulated fd.
 * @oldfd must be emulated. The real fd is duplicated as dup(2), dup3(2) or
 * fcntl(F_DUPFD / F_DUPFD_CLOEXEC) would, and the new fd refers to the same
 * node (the same context). If @newfd of sio_dup3() was itself emulated, its
 * reference is dropped first, as the kernel closes it.
 * Return: the new fd, or -1 with the errno of the underlying call.
 */
int sio_dup(int oldfd);
int sio_dup3(int oldfd, int newfd, int flags);
int sio_fcntl_dupfd(int oldfd, int cmd, int minfd);

/**
 * sio_fd_forget() - drop softiommu's record of @fd without closing it.
 * For a front end that is about to make the kernel close or replace @fd by
 * other means (dup2 onto it, close_range). Releases the node if this was its
 * last fd. Return: 0, or -1 with EBADF if @fd is not emulated.
 */
int sio_fd_forget(int fd);

/**
 * sio_fd_adopt() - recognise an fd that refers to an emulated node but was
 * created behind softiommu's back: received with SCM_RIGHTS, or duplicated
 * with a raw system call. If it refers to a node this process opened it
 * becomes another fd of that node; if another process (or an earlier image of
 * this one, before exec) opened it, it is recorded as foreign and its
 * operations fail with EXDEV.
 * Return: 1 if @fd is (now) emulated, 0 if it is not an emulated node, -1
 * with errno (EBADF, ENOMEM).
 */
int sio_fd_adopt(int fd);

/**
 * sio_fstat() / sio_stat_path() - stat of an emulated fd or path.
 * Fills @st as the kernel reports the device node: S_IFCHR, mode, st_rdev.
 * Return: 0, or -1 with EBADF (fd) / ENOENT (path) when not emulated, EFAULT
 * for a bad @st.
 */
int sio_fstat(int fd, struct stat *st);
int sio_stat_path(const char *path, struct stat *st);

/**
 * sio_sigaction() - keep softiommu's fault handler first in line.
 * softiommu copies caller memory with a fault-tolerant routine that relies on
 * a SIGSEGV/SIGBUS handler; faults it does not own are passed on to the
 * handler the program installed. A front end calls this instead of
 * sigaction(2) so that the program's handler is chained behind softiommu's
 * rather than replacing it.
 * Return: 0 if @sig was SIGSEGV or SIGBUS and the call was handled here
 * (@oldact receives the program's previous handler), 1 if the caller must
 * perform the real sigaction(2) itself, -1 with errno EFAULT/EINVAL.
 */
int sio_sigaction(int sig, const struct sigaction *act,
		  struct sigaction *oldact);

/* ------------------------------------------------------------------------ */
/* Emulated devices ("the machine")                                          */
/* ------------------------------------------------------------------------ */

/*
 * The process has one machine: a software IOMMU of each type and the PCI
 * functions behind them. A function is created with sio_device_create() (or
 * from $SOFTIOMMU_DEVICES when the preload library is loaded, see
 * docs/devices.md) and is then visible as the VFIO cdev
 * /dev/vfio/devices/vfioN, N being its index, together with the sysfs
 * entries real clients read to find it (sio_path_redirect()). A program
 * binds it to an iommufd context with VFIO_DEVICE_BIND_IOMMUFD on that cdev,
 * attaches it to an IOAS or HWPT, and the device emulator then does DMA
 * through whatever is attached with sio_dev_dma_read()/sio_dev_dma_write().
 */

/* The directory of the VFIO cdevs. */
#define SIO_PATH_VFIO_DEVICES "/dev/vfio/devices"

/* Most functions at once: indexes 0 .. SIO_DEVICE_MAX - 1. */
#define SIO_DEVICE_MAX 256

/* Widest PASID a function may have, in bits. */
#define SIO_DEVICE_PASID_BITS_MAX 20

/* The @pasid argument of the DMA functions for a request without a PASID. */
#define SIO_NO_PASID_VAL UINT32_MAX

/* The IOMMU a function sits behind (struct sio_device_desc.iommu). */
enum sio_device_iommu {
	SIO_DEVICE_IOMMU_VTD = 1,	/* Intel VT-d, scalable mode */
	SIO_DEVICE_IOMMU_SMMUV3 = 2,	/* Arm SMMUv3 */
};

/* struct sio_device_desc.flags */
enum sio_device_flags {
	SIO_DEVICE_PRI = 1 << 0,	/* PCI Page Request Interface capability */
	SIO_DEVICE_ATS = 1 << 1,	/* PCI Address Translation Services capability */
	SIO_DEVICE_NO_DIRTY = 1 << 2,	/* its IOMMU cannot track dirty pages for it */
};

/*
 * What a function is. Zero every field you do not set; reserved fields must
 * stay zero.
 */
struct sio_device_desc {
	uint32_t iommu;		/* enum sio_device_iommu */
	uint32_t flags;		/* enum sio_device_flags */
	uint16_t segment;	/* PCI domain */
	uint8_t bus;
	uint8_t dev;		/* 0..31 */
	uint8_t fn;		/* 0..7 */
	uint8_t pasid_bits;	/* 0 (no PASID capability) .. SIO_DEVICE_PASID_BITS_MAX */
	uint8_t __reserved0[2];
	uint32_t __reserved[4];
};

/**
 * sio_device_create() - add a PCI function to the machine.
 * @desc: what to create. Its requester ID (bus << 8 | dev << 3 | fn) is
 *        the ID it has on its IOMMU (the StreamID on SMMUv3).
 *
 * The function starts blocked: its DMA faults until a program binds it and
 * attaches a page table. Thread-safe.
 *
 * Return: the index N (/dev/vfio/devices/vfioN; the lowest free one), or -1
 * with errno: EFAULT (@desc unreadable), EINVAL (unknown IOMMU, flags,
 * dev > 31, fn > 7, pasid_bits > SIO_DEVICE_PASID_BITS_MAX, a reserved
 * field set), EEXIST (the bus address is taken, or its requester ID on the
 * same IOMMU type), ENOSPC (SIO_DEVICE_MAX functions exist), ENOMEM.
 */
int sio_device_create(const struct sio_device_desc *desc);

/**
 * sio_device_destroy() - remove function @index from the machine.
 * Waits for DMA on it that is in flight, then removes its cdev and sysfs
 * entries. Thread-safe.
 * Return: 0, or -1 with errno ENODEV (no such function) or EBUSY (a VFIO
 * cdev fd of it is open in this process, or its DMA fault regions are
 * open (sio_dev_dma_fault_regions_open()); close them first).
 */
int sio_device_destroy(int index);

/**
 * sio_device_query() - the description of function @index.
 * Return: 0, or -1 with errno ENODEV (no such function) or EFAULT.
 * Thread-safe.
 */
int sio_device_query(int index, struct sio_device_desc *desc);

/**
 * sio_device_next() - the lowest index >= @from that names a function.
 * Return: the index, or -1 when there is none. Never sets errno. Thread-safe
 * (a function created or destroyed concurrently may or may not be seen).
 */
int sio_device_next(int from);

/**
 * sio_device_parse() - parse a textual device description.
 * @spec: "TYPE[,OPTION]..." as `softiommu run --device` and
 *        $SOFTIOMMU_DEVICES take it (docs/devices.md), for example
 *        "vtd,bdf=0000:00:04.0,pasid=20,pri,ats". Surrounding blanks are
 *        ignored.
 * @desc: filled on success (untouched on failure).
 * Return: 0, or -1 with errno EINVAL (syntax or value error) or EFAULT.
 * Thread-safe; creates nothing.
 */
int sio_device_parse(const char *spec, struct sio_device_desc *desc);

/**
 * sio_devices_from_env() - create the functions listed in
 * $SOFTIOMMU_DEVICES (descriptions separated by ';' or newlines).
 * The preload library calls this when it is loaded; a program using the C
 * API may call it itself. Functions created before an error remain.
 * Return: the number of functions created (0 if the variable is unset or
 * empty), or -1 with the errno of the first description that failed
 * (sio_device_parse() or sio_device_create()); errors are also reported on
 * stderr. Thread-safe, except against concurrent setenv(3) as getenv(3) is.
 */
int sio_devices_from_env(void);

/**
 * sio_path_redirect() - where softiommu keeps a directory or file that
 * stands for a path of the emulated machine.
 * @path:     absolute, or relative to the current directory; normalised
 *            lexically as sio_path_is_emulated() does.
 * @out:      receives the real path when the result is 1.
 * @out_size: size of @out.
 *
 * Once a function exists, softiommu materialises what real clients read to
 * find VFIO cdevs as ordinary files in a private directory (created on
 * first need, removed at exit): /sys/bus/pci/devices/<bdf>/... of every
 * function (vfio-dev/vfioN/dev holds "MAJOR:MINOR\n"),
 * /sys/class/vfio-dev/..., and the directories /dev/vfio and
 * /dev/vfio/devices (listing the cdevs). The preload library sends open,
 * stat, access, getxattr/listxattr and opendir of those paths there; the
 * cdev nodes themselves are emulated (sio_open()).
 *
 * Return: 1 if @path is redirected (@out holds the real path), 0 if not
 * (including when no function exists), -1 with errno ENAMETOOLONG (@out
 * too small), EFAULT (@path unreadable) or the error of creating the
 * private directory. Thread-safe.
 */
int sio_path_redirect(const char *path, char *out, size_t out_size);

/* DMA access kinds (sio_dev_translate() @access, struct sio_dma_fault.access). */
enum sio_dma_access {
	SIO_DMA_READ = 1 << 0,
	SIO_DMA_WRITE = 1 << 1,
	SIO_DMA_EXEC = 1 << 2,		/* an instruction fetch (with READ) */
	SIO_DMA_PRIV = 1 << 3,		/* a privileged (supervisor) request */
};

/* Why a DMA or translation failed (struct sio_dma_fault.reason). */
enum sio_dma_fault_reason {
	SIO_DMA_FAULT_BLOCKED = 1,	/* nothing attached to the RID or PASID */
	SIO_DMA_FAULT_PASID = 2,	/* PASID beyond the function's width, or it has none */
	SIO_DMA_FAULT_APERTURE = 3,	/* outside the domain's aperture */
	SIO_DMA_FAULT_RANGE = 4,	/* beyond the page table's input range */
	SIO_DMA_FAULT_NOT_PRESENT = 5,	/* no translation for the address */
	SIO_DMA_FAULT_PERM = 6,		/* a level lacks a requested right */
	SIO_DMA_FAULT_RESERVED = 7,	/* reserved bits set in a table entry */
	SIO_DMA_FAULT_ACCESS_FLAG = 8,	/* Arm access flag clear */
	SIO_DMA_FAULT_ADDR_SIZE = 9,	/* output beyond the output address size */
	SIO_DMA_FAULT_TABLE_READ = 10,	/* a table entry could not be read */
	SIO_DMA_FAULT_AD_UPDATE = 11,	/* an accessed/dirty update could not be written */
	SIO_DMA_FAULT_BUS = 12,		/* translated, but the memory there is not accessible */
	/* SMMUv3 nesting: the guest's configuration (hw-model §2.3). */
	SIO_DMA_FAULT_BAD_STE = 13,	/* the stream table entry is invalid (C_BAD_STE) */
	SIO_DMA_FAULT_BAD_CD = 14,	/* the context descriptor is invalid (C_BAD_CD) */
	SIO_DMA_FAULT_CD_FETCH = 15,	/* the context descriptor could not be read (F_CD_FETCH) */
	SIO_DMA_FAULT_BAD_SUBSTREAMID = 16, /* SSID beyond the STE's CD table (C_BAD_SUBSTREAMID) */
	/*
	 * A page request was dropped: the IOMMU's page request queue was full
	 * or its overflow was still pending (sio_dev_pri_set_queue_depth()).
	 */
	SIO_DMA_FAULT_PRQ_OVERFLOW = 17,
};

/* A failed DMA or translation, as the IOMMU recorded it. */
struct sio_dma_fault {
	uint32_t reason;	/* enum sio_dma_fault_reason */
	uint32_t access;	/* enum sio_dma_access of the failing request */
	uint32_t rid;		/* requester ID of the function */
	uint32_t pasid;		/* SIO_NO_PASID_VAL for a request without PASID */
	uint64_t iova;		/* the address that faulted */
	uint64_t done;		/* bytes transferred before the fault */
	uint32_t level;		/* table level of the faulting entry (walk faults) */
	uint32_t stage;		/* 1, or 2 for the second stage of a nested walk */
};

/* A successful translation (sio_dev_translate()). */
struct sio_dev_xlate {
	uint64_t addr;		/* process address @iova translates to */
	uint64_t page_size;	/* size of the translation page containing @iova */
	uint32_t perm;		/* enum sio_dma_access the translation grants */
	uint32_t __reserved;
};

/**
 * sio_dev_dma_read() / sio_dev_dma_write() - DMA by function @index.
 * @pasid: the PASID the request carries, or SIO_NO_PASID_VAL.
 * @iova:  the IO virtual address of the first byte.
 * @buf:   the function's own memory: where read data lands / what is
 *         written.
 * @len:   bytes.
 *
 * The transfer is translated by the IOMMU the way the function's requests
 * would be (IOTLB, page-table walk, permissions, dirty tracking), one
 * translation page at a time; a piece whose translation fails is not
 * transferred and nothing of it is touched, and the transfer stops there.
 * Pieces before it have been transferred (struct sio_dma_fault.done).
 * Thread-safe; concurrent DMA, attach and unmap behave as on hardware (a
 * stale IOTLB entry may still be used until it is invalidated).
 *
 * Page requests (PRI, docs/faults.md "Page requests"). On a function
 * described with "pri", a stage-1 not-present or permission fault at a
 * RID/PASID whose attached HWPT has a fault queue (IOMMU_HWPT_FAULT_ID_VALID)
 * does not abort: the faulting pages of the call (up to 16, from the first
 * one) become one page request group on that queue and the call waits for
 * the response, at most the function's timeout (sio_dev_pri_set_timeout()).
 * SUCCESS: the transfer goes on from the faulting page, translating again
 * (it may fault again: a new group). INVALID (also the automatic answer of
 * a detach, replace, unbind, fault fd close or FAULT destroy): EFAULT with
 * the fault recorded, nothing of the faulting piece touched.
 *
 * Return: @len, or -1 with errno: EFAULT (a translation fault, or memory
 * not accessible; the fault is recorded for sio_dev_last_fault()), ENODEV
 * (no such function, or it went away while a page request was answered),
 * EINVAL (@iova + @len wraps around), ETIMEDOUT (no response to a page
 * request in time: the group is abandoned, its late response is accepted
 * and ignored; the fault is recorded), ENOMEM.
 */
ssize_t sio_dev_dma_read(int index, uint32_t pasid, uint64_t iova, void *buf, size_t len);
ssize_t sio_dev_dma_write(int index, uint32_t pasid, uint64_t iova, const void *buf,
			  size_t len);

/*
 * Completion of an asynchronous DMA: @result is what the synchronous call
 * would return (@len, or -1) and @err its errno (0 on success).
 */
typedef void (*sio_dma_done_fn)(void *arg, ssize_t result, int err);

/**
 * sio_dev_dma_read_async() / sio_dev_dma_write_async() - DMA by function
 * @index that does not wait for page request responses.
 * @index, @pasid, @iova, @buf, @len: as sio_dev_dma_read() / write(). @buf
 *         must stay valid until @done has been called.
 * @done:  called exactly once with the outcome, unless the call fails.
 * @arg:   passed to @done.
 *
 * The transfer runs at once in the calling thread as far as it can. If it
 * needs no page request, @done is called before the call returns, in the
 * calling thread. Otherwise the call returns after queuing the group and
 * @done is called later from softiommu's page request thread (one per
 * process) once the transfer has ended: after the responses, or the
 * function's timeout (ETIMEDOUT) for any one of them. Inside @done,
 * sio_dev_last_fault() of that thread reports a failed transfer's fault.
 * @done may start other DMA (also asynchronous) but must not wait for a
 * page request response (no synchronous DMA that faults into a queue).
 *
 * Return: 0 (@done will be or has been called), or -1 with errno and @done
 * never called: ENODEV (no such function), EINVAL (@iova + @len wraps,
 * @done NULL), ENOMEM. Thread-safe.
 */
int sio_dev_dma_read_async(int index, uint32_t pasid, uint64_t iova, void *buf, size_t len,
			   sio_dma_done_fn done, void *arg);
int sio_dev_dma_write_async(int index, uint32_t pasid, uint64_t iova, const void *buf,
			    size_t len, sio_dma_done_fn done, void *arg);

/* The initial default of sio_dev_pri_set_timeout(). */
#define SIO_DEV_PRI_TIMEOUT_MS_DEFAULT	10000u

/**
 * sio_dev_pri_set_timeout() - how long a DMA or translation of a function
 * waits for each page request response.
 * @index:      a function, or -1 for the default of every function that has
 *              no timeout of its own.
 * @timeout_ms: milliseconds, 1 .. 86400000 (a day); for a function, 0
 *              makes it use the default again.
 * A new function uses the default. The value is read when a wait begins.
 * Return: 0, or -1 with errno ENODEV (no such function), EINVAL (@timeout_ms
 * out of range). Thread-safe.
 */
int sio_dev_pri_set_timeout(int index, unsigned int timeout_ms);

/**
 * sio_dev_pri_set_queue_depth() - the page request queue of the IOMMU behind
 * function @index (shared by every function behind it).
 * @depth: page requests that may wait for responses at once, 1 .. 512
 *         (default 256).
 * A group has at most @depth pages. When a group does not fit, it is
 * dropped and the queue's overflow flag is set (unless the queue is empty);
 * while the flag is set every new page request is dropped. The flag clears
 * when no page request is waiting any more. A DMA whose page request
 * is dropped fails at once with EFAULT and the fault reason
 * SIO_DMA_FAULT_PRQ_OVERFLOW (counted in prq_overflows); it is not retried.
 * Return: 0, or -1 with errno ENODEV, EINVAL (@depth out of range).
 * Thread-safe; requests already queued stay.
 */
int sio_dev_pri_set_queue_depth(int index, unsigned int depth);

/**
 * sio_dev_translate() - translate one address as function @index's DMA would.
 * @access: enum sio_dma_access; at least one of READ, WRITE, EXEC.
 * @out:    filled on success.
 * Translation has the side effects a device request has (IOTLB fill,
 * accessed/dirty bits) but moves no data.
 * A fault that may become a page request does so as for DMA (a group of
 * one page; the call waits for the response and translates again).
 * Return: 0, or -1 with errno EFAULT (a translation fault, recorded for
 * sio_dev_last_fault(); or @out unwritable), ENODEV, EINVAL (bad @access),
 * ETIMEDOUT, ENOMEM (as for DMA). Thread-safe.
 */
int sio_dev_translate(int index, uint32_t pasid, uint64_t iova, unsigned int access,
		      struct sio_dev_xlate *out);

/**
 * sio_dev_last_fault() - the fault of the calling thread's most recent
 * failed DMA or translation on function @index.
 * Like errno, the record is per thread and is not cleared by later calls
 * that succeed; a failure on another function replaces it.
 * Return: 0 with @out filled, or -1 with errno ENOENT (this thread has no
 * fault recorded for @index) or EFAULT. Thread-safe (the record is the
 * calling thread's).
 */
int sio_dev_last_fault(int index, struct sio_dma_fault *out);

/*
 * Event counters of the IOMMU a function sits behind (sio_dev_iommu_stats()).
 * The IOMMU is shared by every function behind it, so the counts include
 * their DMA too. Exact: every translation counts one IOTLB hit or one miss;
 * a miss counts one page-table walk and the walk's table-entry loads (for a
 * nested walk, both stages'); every failed translation counts one fault; an
 * invalidation is one request (an IOMMU_HWPT_INVALIDATE entry, an unmap that
 * removed something, ...).
 */
struct sio_iommu_counters {
	uint64_t iotlb_hits;
	uint64_t iotlb_misses;		/* includes hits lacking a needed permission */
	uint64_t walks;			/* page-table walks */
	uint64_t table_loads;		/* table-entry reads by those walks */
	uint64_t faults;		/* failed translations */
	uint64_t invalidations;		/* invalidation requests */
	uint64_t page_requests;		/* page requests queued */
	uint64_t page_responses;	/* groups answered (by user space or automatically) */
	uint64_t prq_overflows;		/* page requests dropped by a full queue */
};

/**
 * sio_dev_iommu_stats() - the counters of the IOMMU behind function @index.
 * @out: filled on success.
 * Counts start when the process's IOMMU of that type is created and never go
 * down. Counters are kept per thread and summed here, so a read concurrent
 * with DMA sees each thread's counts at some recent moment.
 * Return: 0, or -1 with errno ENODEV (no such function) or EFAULT (@out
 * unwritable). Thread-safe.
 */
int sio_dev_iommu_stats(int index, struct sio_iommu_counters *out);

/* ------------------------------------------------------------------------ */
/* The shared-memory fault ring                                              */
/* ------------------------------------------------------------------------ */

/*
 * An opt-in, zero-syscall transport for fault-queue records: a ring pair in
 * one memfd, shared by softiommu (producer of struct iommu_hwpt_pgfault
 * records, consumer of struct iommu_hwpt_page_response entries) and the
 * program (the other way round). See docs/faults.md.
 *
 * The region is four page-aligned parts, each mappable on its own:
 *
 *   offset 0            header page (struct sio_fault_ring_hdr): softiommu
 *                       writes it; the program maps it read-only
 *   offset PAGE         control page (struct sio_fault_ring_ctl): the
 *                       program writes it; softiommu maps it read-only
 *   hdr.rec_offset      record ring: rec_nb struct sio_fault_ring_rec_slot
 *                       (64 bytes, one cache line each); softiommu writes,
 *                       the program maps it read-only
 *   hdr.resp_offset     response ring: resp_nb struct sio_fault_ring_resp_slot
 *                       (16 bytes); the program writes, softiommu maps it
 *                       read-only
 *
 * Indices are free-running 32-bit counters; slot = index & (nb - 1), nb a
 * power of two, and a ring holds up to nb entries. An entry is handed over
 * by its slot's seq word: the writer of entry i stores the entry, then
 * release-stores seq = i + 1; the reader of entry i acquire-loads seq and
 * takes the entry only if seq == i + 1 (zero-filled slots and the previous
 * lap's i + 1 - nb never match). The reader then publishes its index (the
 * count of entries it consumed) with a release store, which frees the
 * slots; the writer also publishes its index, after the seq words, for
 * status and for pollers, but the reader need not read it.
 *
 * Nothing the program writes can make softiommu access memory outside the
 * region: softiommu keeps its own indices privately and never reads a
 * record slot. It reads the program's index once per call and accepts it
 * only if it lies between the value it accepted last and the furthest the
 * program may legitimately have reached (rec_tail in [last rec_tail,
 * rec_head], resp_head in [last resp_head, resp_tail + resp_nb]). Any other
 * value disables that direction for good (SIO_FAULT_RING_F_DISABLED). A
 * push proves its room with the last accepted rec_tail, reading rec_tail
 * first only when that one leaves too little room, else right after
 * publishing; a bad value read after publishing disables the ring for the
 * pushes that follow. A response slot is consumed when its seq word says
 * so, at most resp_nb per call; its response is then copied by one 8-byte
 * load, validated and used from the copy. The memfd is sealed against
 * resizing. Both mappings are zero-filled at creation.
 */

#define SIO_FAULT_RING_MAGIC	0x52464953u	/* "SIFR" in memory on little-endian */
#define SIO_FAULT_RING_VERSION	2u
/* Largest rec_nb and resp_nb. */
#define SIO_FAULT_RING_NB_MAX	(1u << 20)

/* rec_flags and resp_flags of struct sio_fault_ring_hdr; sticky once set. */
enum sio_fault_ring_flags {
	/* The program wrote an impossible index: that direction is shut. */
	SIO_FAULT_RING_F_DISABLED = 1 << 0,
	/* rec_flags only: records were refused because the ring was full. */
	SIO_FAULT_RING_F_OVERFLOW = 1 << 1,
};

/* The header page. softiommu is its only writer. */
struct sio_fault_ring_hdr {
	uint32_t magic;			/* SIO_FAULT_RING_MAGIC */
	uint32_t version;		/* SIO_FAULT_RING_VERSION */
	uint32_t rec_size;		/* 64: sizeof(struct sio_fault_ring_rec_slot) */
	uint32_t rec_nb;		/* record slots, a power of two */
	uint64_t rec_offset;		/* region offset of the record ring */
	uint32_t resp_size;		/* 16: sizeof(struct sio_fault_ring_resp_slot) */
	uint32_t resp_nb;		/* response slots, a power of two */
	uint64_t resp_offset;		/* region offset of the response ring */
	uint64_t size;			/* bytes of the whole region */
	uint32_t __reserved0[4];
	/* cache line 1: the record ring's producer index, alone */
	uint32_t rec_head;		/* records written so far (release, after the seqs) */
	uint32_t __reserved1[15];
	/* cache line 2: record ring state that changes rarely */
	uint32_t rec_flags;		/* enum sio_fault_ring_flags */
	uint32_t __reserved2;
	uint64_t rec_overflows;		/* records refused because the ring was full */
	uint32_t __reserved3[12];
	/* cache line 3: the response ring's consumer index, alone */
	uint32_t resp_tail;		/* responses consumed so far (release) */
	uint32_t __reserved4[15];
	/* cache line 4: response ring state that changes rarely */
	uint32_t resp_flags;		/* enum sio_fault_ring_flags */
	uint32_t __reserved5;
	uint64_t resp_rejected;		/* consumed responses with an invalid code */
	uint32_t __reserved6[12];
};

/* The control page. The program is its only writer. */
struct sio_fault_ring_ctl {
	uint32_t rec_tail;		/* records consumed so far (release) */
	uint32_t __reserved0[15];
	uint32_t resp_head;		/* responses written so far (release, after the seqs) */
	uint32_t __reserved1[15];
};

/* A record slot: one cache line, so the seq word arrives with the record. */
struct sio_fault_ring_rec_slot {
	uint64_t rec[5];		/* a struct iommu_hwpt_pgfault (40 bytes) */
	uint32_t seq;			/* index + 1 once rec holds that index's record */
	uint32_t __reserved[5];
};

/* A response slot. */
struct sio_fault_ring_resp_slot {
	uint64_t resp;			/* a struct iommu_hwpt_page_response (8 bytes) */
	uint32_t seq;			/* index + 1 once resp holds that index's response */
	uint32_t __reserved;
};

struct iommu_hwpt_pgfault;
struct iommu_hwpt_page_response;
/* softiommu's side of a ring pair. */
struct sio_fault_ring;
/* A program's mapping of a ring pair. */
struct sio_fault_ring_view;

/**
 * sio_fault_ring_create() - create a ring pair and softiommu's side of it.
 * @nb_records:   record slots: a power of two in [1, SIO_FAULT_RING_NB_MAX].
 * @nb_responses: response slots: likewise.
 *
 * The region lives in a new memfd (close-on-exec, sealed against resizing);
 * sio_fault_ring_fd() gives it to the consumer. softiommu's own mapping has
 * inaccessible guard pages around each part.
 *
 * Return: the ring, or NULL with errno EINVAL (bad count), ENOMEM,
 * EMFILE/ENFILE. Thread-safe.
 */
struct sio_fault_ring *sio_fault_ring_create(unsigned int nb_records, unsigned int nb_responses);

/**
 * sio_fault_ring_fd() - the memfd of @ring's region, owned by @ring (do not
 * close it; dup() it to pass it on). Return: the fd. Thread-safe.
 */
int sio_fault_ring_fd(const struct sio_fault_ring *ring);

/**
 * sio_fault_ring_destroy() - unmap and free softiommu's side and close the
 * memfd. Views stay valid until they are unmapped. @ring may be NULL. Must
 * not run concurrently with any other call on @ring.
 */
void sio_fault_ring_destroy(struct sio_fault_ring *ring);

/**
 * sio_fault_ring_push() - write @n records as one unit (a fault group is
 * never split): all of them, or none.
 * @recs: @n records in caller memory.
 *
 * Reads and checks the consumer's rec_tail once: before writing when the
 * last accepted rec_tail leaves fewer than @n free slots, else after
 * publishing. Return: @n (also when the check after publishing found a bad
 * rec_tail: the records went to slots the consumer had freed, and the ring
 * is disabled from then on), or -1 with errno ENOSPC (fewer than @n free
 * slots: rec_overflows grows by @n and SIO_FAULT_RING_F_OVERFLOW is set),
 * EPIPE (the ring is disabled, now or earlier; nothing published), EINVAL
 * (@n == 0 or @n > rec_nb), EFAULT (@recs unreadable; nothing is
 * published). Thread-safe: pushes are serialised with each other,
 * not with sio_fault_ring_take_responses(). No system call.
 */
int sio_fault_ring_push(struct sio_fault_ring *ring, const struct iommu_hwpt_pgfault *recs,
			unsigned int n);

/**
 * sio_fault_ring_take_responses() - consume up to @n response slots.
 * @out: room for @n responses in caller memory.
 *
 * Reads and checks the program's resp_head once, then consumes slots in
 * order while their seq word marks them written (at most resp_nb). Each
 * response is read exactly once into a private copy; a copy whose code is
 * not an enum iommufd_page_response_code is consumed but not returned
 * (resp_rejected grows). Return: the number of responses written to @out
 * (0: none pending), or -1 with errno EPIPE (the response ring is disabled,
 * now or earlier), EFAULT (@out unwritable from its start; the slots whose
 * responses did not reach @out stay pending; when some did, their count is
 * returned). Thread-safe as sio_fault_ring_push(). No system call.
 */
int sio_fault_ring_take_responses(struct sio_fault_ring *ring,
				  struct iommu_hwpt_page_response *out, unsigned int n);

/**
 * sio_fault_ring_pump() - connect @ring to a fault queue: hand the answers
 * pending in the response ring to the queue, then move its undelivered
 * groups into the record ring.
 * @fault_fd: a FAULT object's fd (struct iommu_fault_alloc.out_fault_fd).
 *
 * Responses go through the completion path of write() on @fault_fd: a
 * response whose cookie the queue does not know is skipped and counted in
 * resp_rejected. Groups go through the path of read(): whole groups, each
 * with a fresh cookie, as many as the free record slots hold; a group larger
 * than the free room waits (one larger than rec_nb can only be read()).
 * read() and write() on @fault_fd stay usable alongside. No system call:
 * a consumer that calls it (or a softiommu thread that does) gets faults
 * without entering the kernel.
 *
 * Return: the number of records moved into the ring (0: none), or -1 with
 * errno EBADF (@fault_fd is not an emulated fd, or O_PATH), EINVAL (not a
 * fault fd), EXDEV (inherited from another process), EPIPE (the record ring
 * is disabled; responses were still handed over), ENOMEM. Thread-safe;
 * serialised with sio_fault_ring_push() and sio_fault_ring_take_responses().
 */
int sio_fault_ring_pump(struct sio_fault_ring *ring, int fault_fd);

/**
 * sio_fault_ring_map() - map the region of @fd for its consumer.
 * @fd: a ring pair's memfd (sio_fault_ring_fd(), possibly passed from
 *      another process).
 *
 * The header and record ring are mapped read-only, the control page and
 * the response ring read-write. The consumer continues from the indices the
 * control page holds.
 *
 * Return: the view, or NULL with errno EBADF, EINVAL (@fd is not a ring
 * pair's region: bad magic, version, geometry or size; or its indices are
 * inconsistent), ENOMEM. Thread-safe.
 */
struct sio_fault_ring_view *sio_fault_ring_map(int fd);

/**
 * sio_fault_ring_unmap() - unmap and free @view (NULL: nothing). Must not
 * run concurrently with any other call on @view. Return: 0.
 */
int sio_fault_ring_unmap(struct sio_fault_ring_view *view);

/**
 * sio_fault_ring_peek() / sio_fault_ring_pop() - copy up to @n pending
 * records, oldest first, to @out; pop also consumes them (one release store
 * of rec_tail). A record is pending when its slot's seq word says so;
 * rec_head is not read.
 *
 * Return: the number copied (0: none pending), or -1 with errno EFAULT
 * (@out unwritable; nothing consumed), EIO (the next slot already holds a
 * later lap's record: the view's rec_tail was overtaken, which only a
 * rec_tail written outside the view allows). Records still pending when the ring was disabled stay
 * readable. Thread-safe: calls on one view are serialised; two views of one
 * region must not consume concurrently (single consumer). No system call.
 */
int sio_fault_ring_peek(struct sio_fault_ring_view *view, struct iommu_hwpt_pgfault *out,
			unsigned int n);
int sio_fault_ring_pop(struct sio_fault_ring_view *view, struct iommu_hwpt_pgfault *out,
		       unsigned int n);

/**
 * sio_fault_ring_respond() - write up to @n responses and publish them (a
 * release store of each slot's seq word, then of resp_head). The header's
 * resp_tail is loaded only when the view's last load of it leaves fewer than
 * @n free slots.
 * @resp: @n responses in caller memory.
 *
 * Return: the number written (fewer than @n when the ring has less room), or
 * -1 with errno ENOSPC (no room at all, @n > 0), EPIPE (the response ring is
 * disabled), EFAULT (@resp unreadable; nothing published), EIO (impossible
 * resp_tail in the header). Thread-safe as sio_fault_ring_pop(); respond
 * and pop may run concurrently. No system call.
 */
int sio_fault_ring_respond(struct sio_fault_ring_view *view,
			   const struct iommu_hwpt_page_response *resp, unsigned int n);

/* What sio_fault_ring_status() reports. */
struct sio_fault_ring_status {
	uint32_t rec_pending;		/* records not yet popped */
	uint32_t rec_flags;		/* enum sio_fault_ring_flags */
	uint64_t rec_overflows;
	uint32_t resp_pending;		/* responses softiommu has not consumed */
	uint32_t resp_flags;
	uint64_t resp_rejected;
};

/**
 * sio_fault_ring_status() - a snapshot of @view's ring pair.
 * Return: 0, or -1 with errno EFAULT (@st unwritable). Thread-safe.
 */
int sio_fault_ring_status(struct sio_fault_ring_view *view, struct sio_fault_ring_status *st);

/**
 * sio_fault_ring_header() - @view's read-only mapping of the header page,
 * for a consumer that polls rec_head itself. Return: the header. Thread-safe.
 */
const struct sio_fault_ring_hdr *sio_fault_ring_header(const struct sio_fault_ring_view *view);

/* ------------------------------------------------------------------------ */
/* The 2020 VFIO DMA fault regions of a function                             */
/* ------------------------------------------------------------------------ */

/*
 * The fault region and fault response region of the 2020 VFIO nested
 * interface (docs/faults.md; layouts in <softiommu/uapi/vfio_nested.h>,
 * records in <softiommu/uapi/iommu.h>), served for an emulated function:
 * while open, the function's page requests and the unrecoverable faults its
 * IOMMU reports to device fault handlers become struct iommu_fault records
 * in the fault region's ring, and the struct iommu_page_response entries
 * the program writes to the response region's ring answer them.
 *
 * The calls mirror what a VFIO device fd offers for a region: pread/pwrite
 * of the region (the header page is reachable only so), mmap of its ring
 * (the region's one sparse-mmap area), and the fault IRQ as an eventfd.
 *
 * fork(): the regions belong to the process that opened them. In a forked
 * child every call on an inherited @r except close fails with EXDEV, and
 * the child's page requests are not reported there (they fail at once, as
 * answered INVALID), so the child never changes the parent's rings.
 */
struct sio_dma_fault_regions;

/* @which of the calls below. */
enum sio_dma_fault_region_which {
	SIO_DMA_FAULT_REGION = 0,		/* VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT */
	SIO_DMA_FAULT_RESPONSE_REGION = 1,	/* ..._NESTED_DMA_FAULT_RESPONSE */
};

/* What VFIO_DEVICE_GET_REGION_INFO would report for a region. */
struct sio_dma_fault_region_info {
	uint32_t flags;			/* VFIO_REGION_INFO_FLAG_READ | _WRITE | _MMAP */
	uint32_t type;			/* VFIO_REGION_TYPE_NESTED */
	uint32_t subtype;		/* VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT[_RESPONSE] */
	uint32_t cap_id;		/* VFIO_REGION_INFO_CAP_DMA_FAULT[_RESPONSE] */
	uint32_t version;		/* the cap's record format version: 1 */
	uint32_t __reserved;
	uint64_t size;			/* header page + ring, in bytes */
	uint64_t mmap_offset;		/* the sparse-mmap area: the ring */
	uint64_t mmap_size;
};

/**
 * sio_dev_dma_fault_regions_open() - serve the DMA fault regions of
 * function @index: register as its fault handler. The function cannot be
 * destroyed (sio_device_destroy() fails with EBUSY) until they are closed.
 *
 * Return: the regions, or NULL with errno ENODEV (no such function), EBUSY
 * (the function's faults are already served), ENOMEM. Thread-safe.
 */
struct sio_dma_fault_regions *sio_dev_dma_fault_regions_open(int index);

/**
 * sio_dma_fault_regions_close() - stop serving: page requests still
 * unanswered are answered INVALID (their DMA fails), the handler is
 * unregistered and the regions freed; mappings of the rings stay valid
 * until unmapped. @r may be NULL. Must not run concurrently with other
 * calls on @r. Return: 0.
 */
int sio_dma_fault_regions_close(struct sio_dma_fault_regions *r);

/**
 * sio_dma_fault_region_info() - @which region's description.
 * Return: 0, or -1 with errno EXDEV (@r is inherited), EINVAL (@which),
 * EFAULT (@info). Thread-safe.
 */
int sio_dma_fault_region_info(struct sio_dma_fault_regions *r, unsigned int which,
			      struct sio_dma_fault_region_info *info);

/**
 * sio_dma_fault_region_pread() / sio_dma_fault_region_pwrite() - read or
 * write @count bytes at @pos of @which region, as pread()/pwrite() of a
 * VFIO region: reads may cover any part (clipped at the end); the only
 * write is the 4-byte index the program owns at offset 0 (tail of the
 * fault region, head of the response region), below nb_entries. Writing
 * the response region's head answers the responses up to it before the
 * call returns.
 * Return: bytes transferred, or -1 with errno EXDEV (@r is inherited),
 * EINVAL (@which, @pos beyond the region, a write other than 4 bytes at 0,
 * an index >= nb_entries), EFAULT (@buf). Thread-safe.
 */
ssize_t sio_dma_fault_region_pread(struct sio_dma_fault_regions *r, unsigned int which,
				   void *buf, size_t count, uint64_t pos);
ssize_t sio_dma_fault_region_pwrite(struct sio_dma_fault_regions *r, unsigned int which,
				    const void *buf, size_t count, uint64_t pos);

/**
 * sio_dma_fault_region_mmap() - map [@pos, @pos + @len) of @which region
 * (MAP_SHARED, @prot PROT_READ and/or PROT_WRITE); unmap with munmap().
 * Only the ring can be mapped.
 * Return: the address, or MAP_FAILED with errno EXDEV (@r is inherited),
 * EINVAL (@which; the range
 * starts below the ring, ends beyond the region, or is not page-aligned;
 * @len 0), or mmap()'s errno. Thread-safe.
 */
void *sio_dma_fault_region_mmap(struct sio_dma_fault_regions *r, unsigned int which,
				uint64_t pos, size_t len, int prot);

/**
 * sio_dma_fault_regions_eventfd() - the fault IRQ: an eventfd (owned by @r)
 * incremented once per record queued. Return: the fd, or -1 with errno
 * EXDEV (@r is inherited). Thread-safe.
 */
int sio_dma_fault_regions_eventfd(const struct sio_dma_fault_regions *r);

/* What sio_dma_fault_regions_stats() reports. */
struct sio_dma_fault_regions_stats {
	uint64_t records;		/* queued in the fault region */
	uint64_t records_dropped;	/* the ring was full: the request failed */
	uint64_t responses;		/* consumed from the response region */
	uint64_t responses_rejected;	/* matched no pending request, or malformed */
};

/**
 * sio_dma_fault_regions_stats() - counters of @r.
 * Return: 0, or -1 with errno EXDEV (@r is inherited), EFAULT (@st).
 * Thread-safe.
 */
int sio_dma_fault_regions_stats(struct sio_dma_fault_regions *r,
				struct sio_dma_fault_regions_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* SOFTIOMMU_SOFTIOMMU_H */
