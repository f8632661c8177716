#!/usr/bin/env bash
# README command 1: install, build and start `azlb serve` with its embedded defaults
# (data in /var/lib/azlb, HTTPS on 127.0.0.1:8443, self-made CA). Extra args go to `azlb serve`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
bin=${AZLB_BUILD_DIR:-$root/build}/cli/azlb
# `azlb` on PATH for README's commands: a link to this build (an existing file that is not a link is left alone).
if [ "$(id -u)" = 0 ] && { [ ! -e /usr/local/bin/azlb ] || [ -L /usr/local/bin/azlb ]; }; then
  ln -sfn "$bin" /usr/local/bin/azlb
fi
exec "$bin" serve "$@"
