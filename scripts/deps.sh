#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install what building and testing softiommu needs on Debian 12, only when
# something is missing. Sourced by the demo and test commands.
set -euo pipefail

sio_need_pkgs=()
command -v meson >/dev/null 2>&1 || sio_need_pkgs+=(meson)
command -v ninja >/dev/null 2>&1 || sio_need_pkgs+=(ninja-build)
command -v cc >/dev/null 2>&1 || sio_need_pkgs+=(gcc libc6-dev)
command -v pkg-config >/dev/null 2>&1 || sio_need_pkgs+=(pkg-config)
command -v python3 >/dev/null 2>&1 || sio_need_pkgs+=(python3)
if ! pkg-config --exists cmocka 2>/dev/null; then
	sio_need_pkgs+=(libcmocka-dev)
fi
if ! pkg-config --exists liburcu-bp 2>/dev/null; then
	sio_need_pkgs+=(liburcu-dev)
fi
if [ "${#sio_need_pkgs[@]}" -gt 0 ]; then
	echo "installing: ${sio_need_pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${sio_need_pkgs[@]}" >/dev/null
fi
