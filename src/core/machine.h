/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The machine: the software IOMMUs every device of the process sits behind,
 * one instance per IOMMU type, created on first use and kept until exit.
 * Devices (VFIO functions, selftest mocks) and their IOTLBs outlive any one
 * iommufd context, as hardware does.
 */
#ifndef SIO_CORE_MACHINE_H
#define SIO_CORE_MACHINE_H

#include "iommu/iommu.h"

/* The IOMMU of @type, or NULL if it cannot be created (ENOMEM). Thread-safe. */
struct sio_iommu *sio_machine_iommu(enum sio_iommu_type type);

#endif /* SIO_CORE_MACHINE_H */
