/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOAS ioctls. Each handler holds the order of checks Linux applies for its
 * command (spec iommufd-abi §4.2–4.7, 4.16, 4.19): reserved fields and flags
 * (EOPNOTSUPP), then overflow (EOVERFLOW), then semantic checks (EINVAL),
 * then object lookups (ENOENT), then the IO page table's own errors.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <softiommu/uapi/iommufd.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "core/ioas.h"
#include "uapi/file.h"
#include "uapi/selftest.h"
#include "uapi/ucmd.h"

#define MAP_FLAGS_VALID \
	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)

static int map_prot(uint32_t flags)
{
	int prot = SIO_PROT_CACHE;

	if (flags & IOMMU_IOAS_MAP_READABLE)
		prot |= SIO_PROT_READ;
	if (flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= SIO_PROT_WRITE;
	return prot;
}

int sio_ioctl_ioas_alloc(struct sio_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct sio_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	rc = sio_ioas_alloc(ucmd->ctx, &ioas);
	if (rc)
		return rc;
	ucmd->new_obj = &ioas->obj;
	cmd->out_ioas_id = ioas->obj.id;
	return sio_ucmd_respond(ucmd, sizeof(*cmd));
}

int sio_ioctl_ioas_allow_iovas(struct sio_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct sio_itree allowed;
	struct sio_ioas *ioas;
	uint32_t i;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = sio_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	sio_itree_init(&allowed);
	for (i = 0; i != cmd->num_iovas; i++) {
		struct iommu_iova_range range;
		struct sio_allowed *node;

		if (sio_copy_from_user(&range, cmd->allowed_iovas + (uint64_t)i * sizeof(range),
				       sizeof(range))) {
			rc = -EFAULT;
			goto out_free;
		}
		if (range.start >= range.last) {
			rc = -EINVAL;
			goto out_free;
		}
		if (sio_itree_iter_first(&allowed, range.start, range.last)) {
			rc = -EINVAL;
			goto out_free;
		}
		node = calloc(1, sizeof(*node));
		if (!node) {
			rc = -ENOMEM;
			goto out_free;
		}
		node->node.start = range.start;
		node->node.last = range.last;
		sio_itree_insert(&allowed, &node->node);
	}
	rc = sio_iopt_set_allowed(&ioas->iopt, &allowed);
out_free:
	sio_iopt_free_allowed(&allowed);
	sio_ioas_put(ioas);
	return rc;
}

int sio_ioctl_ioas_copy(struct sio_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct sio_iopt_pieces pieces = { 0 };
	struct sio_ioas *src, *dst;
	uint64_t iova;
	int rc;

	if (cmd->flags & ~MAP_FLAGS_VALID)
		return -EOPNOTSUPP;
	if (cmd->length >= ULONG_MAX || cmd->src_iova >= ULONG_MAX || cmd->dst_iova >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;

	src = sio_ioas_get(ucmd->ctx, cmd->src_ioas_id);
	if (!src)
		return -ENOENT;
	rc = sio_iopt_get_pages(&src->iopt, cmd->src_iova, cmd->length, &pieces);
	sio_ioas_put(src);
	if (rc)
		return rc;

	dst = sio_ioas_get(ucmd->ctx, cmd->dst_ioas_id);
	if (!dst) {
		rc = -ENOENT;
		goto out_pieces;
	}
	iova = cmd->dst_iova;
	rc = sio_iopt_map_pieces(&dst->iopt, &pieces, cmd->length, &iova, map_prot(cmd->flags),
				 !(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA));
	if (!rc) {
		cmd->dst_iova = iova;
		rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	}
	sio_ioas_put(dst);
out_pieces:
	sio_iopt_pieces_free(&pieces);
	return rc;
}

struct ranges_out {
	uint64_t uptr;
	uint32_t capacity;
	uint32_t total;
};

static int emit_range(void *arg, uint64_t start, uint64_t last)
{
	struct ranges_out *out = arg;
	struct iommu_iova_range elm = { .start = start, .last = last };

	if (out->total < out->capacity &&
	    sio_copy_to_user(out->uptr + (uint64_t)out->total * sizeof(elm), &elm, sizeof(elm)))
		return -EFAULT;
	out->total++;
	return 0;
}

int sio_ioctl_ioas_iova_ranges(struct sio_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct ranges_out out = { .uptr = cmd->allowed_iovas, .capacity = cmd->num_iovas };
	struct sio_ioas *ioas;
	uint64_t alignment;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = sio_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	rc = sio_iopt_for_each_usable(&ioas->iopt, emit_range, &out, &alignment);
	sio_ioas_put(ioas);
	if (rc)
		return rc;
	cmd->num_iovas = out.total;
	cmd->out_iova_alignment = alignment;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		return rc;
	return out.total > out.capacity ? -EMSGSIZE : 0;
}

int sio_ioctl_ioas_map(struct sio_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	struct sio_ioas *ioas;
	uint64_t iova;
	int rc;

	if ((cmd->flags & ~MAP_FLAGS_VALID) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	ioas = sio_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	iova = cmd->iova;
	rc = sio_iopt_map_user(&ioas->iopt, ucmd->ctx->account_mode, &iova, cmd->user_va,
			       cmd->length, map_prot(cmd->flags),
			       !(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA));
	if (!rc) {
		cmd->iova = iova;
		rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	}
	sio_ioas_put(ioas);
	return rc;
}

int sio_ioctl_ioas_map_file(struct sio_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	struct sio_dmabuf *dmabuf = NULL;
	struct sio_file *file;
	struct sio_ioas *ioas;
	uint64_t iova;
	int rc;

	if (cmd->flags & ~MAP_FLAGS_VALID)
		return -EOPNOTSUPP;
	if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	ioas = sio_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	iova = cmd->iova;
	/* A dma-buf of the selftest exporter, else a memfd (checked when pinned). */
	if (!sio_file_get(cmd->fd, &file)) {
		dmabuf = sio_test_dmabuf_of(file);
		if (!dmabuf)
			sio_file_put(file);
	}
	if (dmabuf) {
		rc = sio_iopt_map_dmabuf(&ioas->iopt, &iova, dmabuf, cmd->start, cmd->length,
					 map_prot(cmd->flags),
					 !(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA));
		sio_file_put(file);
	} else {
		rc = sio_iopt_map_file(&ioas->iopt, ucmd->ctx->account_mode, &iova, cmd->fd,
				       cmd->start, cmd->length, map_prot(cmd->flags),
				       !(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA));
	}
	if (!rc) {
		cmd->iova = iova;
		rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	}
	sio_ioas_put(ioas);
	return rc;
}

int sio_ioctl_ioas_unmap(struct sio_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct sio_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	ioas = sio_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (cmd->iova == 0 && cmd->length == UINT64_MAX) {
		rc = sio_iopt_unmap_all(&ioas->iopt, &unmapped);
	} else if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX) {
		rc = -EOVERFLOW;
	} else {
		rc = sio_iopt_unmap(&ioas->iopt, cmd->iova, cmd->length, &unmapped);
		if (!rc && !unmapped)
			rc = -ENOENT;
	}
	if (!rc) {
		cmd->length = unmapped;
		rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	}
	sio_ioas_put(ioas);
	return rc;
}

static int find_user_area(struct sio_ioas *ioas, void *arg)
{
	return sio_iopt_has_user_areas(&ioas->iopt) ? -EINVAL : 0;
}

/*
 * Pinned-page charges follow the process that owns the context. In-process
 * mode has exactly one such process, so after the checks there is nothing to
 * move (docs/process-model.md).
 */
int sio_ioctl_ioas_change_process(struct sio_ucmd *ucmd)
{
	struct iommu_ioas_change_process *cmd = ucmd->cmd;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	return sio_ctx_for_each_ioas(ucmd->ctx, find_user_area, NULL);
}
