#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build softiommu and run its vSVA demo: a VMM-like client of the C API gives a
# guest's first-stage tables to PASIDs of a VT-d function over one stage-2
# parent, answers the function's page requests from a fault queue, and checks
# each step. (`softiommu demo --ioas` runs the IOAS client
# through the LD_PRELOAD front end instead.)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
dir=${SIO_BUILD_DIR:-build}
[ -f "$dir/build.ninja" ] || meson setup "$dir" >/dev/null
ninja -C "$dir" >/dev/null
exec "$dir/tools/softiommu" demo
