#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# `softiommu stats -- PROG` runs PROG and prints every IOMMU's counters when it
# exits: check that the line is there with the counters PROG must have moved.
# Usage: tool_stats.sh SOFTIOMMU PROG
set -u
out=$("$1" stats -- "$2" 2>&1 >/dev/null) || { echo "PROG failed"; echo "$out"; exit 1; }
line=$(printf '%s\n' "$out" | grep '^softiommu: stats: iommu vtd:') ||
	{ echo "no stats line for vtd in:"; printf '%s\n' "$out"; exit 1; }
for c in iotlb_hits iotlb_misses walks pte_loads faults invalidations cfg_hits cfg_misses \
	 page_requests page_responses prq_overflows; do
	printf '%s\n' "$line" | grep -q " $c [0-9]" || { echo "missing $c: $line"; exit 1; }
done
# The example DMAs through a VT-d domain: misses and walks cannot be zero.
printf '%s\n' "$line" | grep -q ' walks [1-9]' || { echo "no walk counted: $line"; exit 1; }
echo "ok: $line"
