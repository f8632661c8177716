#!/usr/bin/env bash
# README command 2: install, build and run every test tier (unit, api, netns, e2e).
# The netns tier needs root; without it, it reports itself skipped with the reason.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --test
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
"$root/scripts/build.sh" -DAZLB_WERROR=$werror "$@"
cd "${AZLB_BUILD_DIR:-$root/build}"
ctest --output-on-failure --timeout 900
