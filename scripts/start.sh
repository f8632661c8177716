#!/usr/bin/env bash
# README command 1: install, build and start `azlb serve` with its embedded defaults
# (data in /var/lib/azlb, HTTPS on 127.0.0.1:8443, self-made CA). Extra args go to `azlb serve`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
exec "${AZLB_BUILD_DIR:-$root/build}/cli/azlb" serve "$@"
