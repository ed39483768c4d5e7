#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build softiommu and run its demo: an unmodified client program driving
# /dev/iommu through the LD_PRELOAD front end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
dir=${SIO_BUILD_DIR:-build}
[ -f "$dir/build.ninja" ] || meson setup "$dir" >/dev/null
ninja -C "$dir" >/dev/null
exec "$dir/tools/softiommu" demo
