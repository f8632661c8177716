#!/usr/bin/env bash
# e2e: the labs (samples/labs/*/lab.sh) with the real az CLI
# against one real `azlb serve` with its data plane (root), probe time scaled by 0.2 (5 s -> 1 s).
# Usage: run_lab.sh <path to azlb>. Exit 77 (skip) without root or az.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
bin=$(cd "$(dirname "${1:?usage: run_lab.sh <path to azlb>}")" && pwd)/$(basename "$1")
azlb_require_cmd az
azlb_require_cmd python3
if [[ $(id -u) != 0 ]]; then echo "SKIP: the lab builds a data plane and needs root" >&2; exit "$AZLB_SKIP_CODE"; fi
instance=lab
"$bin" cleanup --instance $instance >/dev/null 2>&1 || true
azlb_start "$bin" --dataplane on --instance $instance --public-prefix 198.18.238.0/24 --underlay 100.118.0.0/16 \
  --probe-time-scale 0.2 || exit 1
datadir=$AZLB_DATA/data
eval "$("$bin" env --port "$AZLB_PORT" --data-dir "$datadir")" || exit 1
"$bin" az-login --port "$AZLB_PORT" --data-dir "$datadir" >/dev/null || { echo "FAIL azlb az-login"; exit 1; }
eval "$("$bin" env --port "$AZLB_PORT" --data-dir "$datadir")"
status=0
for lab in health-probes three-tiers mux-failure dns-round-robin l7-vs-l4 nat-vs-dsr; do
  echo "== lab $lab"
  AZLB=$bin AZLB_INSTANCE=$instance LAB_WORK=$AZLB_DATA/lab-$lab LAB_GROUP=$lab-lab timeout --kill-after=10 300 \
    bash "$here/../../samples/labs/$lab/lab.sh" || { echo "FAIL: lab $lab"; status=1; }
done
azlb_finish_dataplane "$bin" $instance $status
