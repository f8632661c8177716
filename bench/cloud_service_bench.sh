#!/usr/bin/env bash
# Cloud-service import benchmark (issue 11), as root: the time from `azlb import` of the sample
# ProbeTenant (FERole x3, BERole x2 = 5 instances, Python role programs) to every endpoint
# answering on the VIP: :10000 (http) from all three FE instances, :10001 (tcp), :10002 (udp) and
# each instance input port (10110-10112, 10210-10211). Repeated N times (delete between runs);
# prints each run and the median. Goal (issue 11): under 3 s on a 2-core machine.
# usage: sudo bench/cloud_service_bench.sh [path/to/azlb] [runs]   (needs curl, python3)
# Uses its own instance (bc), public prefix and underlay; removes everything when done.
set -euo pipefail
bin=${1:-$(dirname "$0")/../build/cli/azlb}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
runs=${2:-5}
sample=$(cd "$(dirname "$0")/../samples/cloud-services/ProbeTenant" && pwd)
for t in curl python3; do command -v $t >/dev/null || { echo "needs $t"; exit 77; }; done
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
work=$(mktemp -d /tmp/azlb-csbench.XXXXXX)
inst=bc prefix=198.18.235.0/24 underlay=100.115.0.0/16
cleanup() {
  [ -n "${serve:-}" ] && kill "$serve" 2>/dev/null && wait "$serve" 2>/dev/null || true
  "$bin" cleanup --instance $inst >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$bin" serve --port 0 --data-dir "$work" --in-memory --ready-file "$work/ready" --instance $inst \
  --public-prefix $prefix --underlay $underlay >"$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 200); do [ -s "$work/ready" ] && break; sleep 0.05; done
export AZLB_PORT=$(cat "$work/ready") AZLB_DATA_DIR=$work AZLB_INSTANCE=$inst

# Every endpoint answers: the three FE instances on :10000 within 30 tries, tcp, udp, instance ports.
answering() {
  local vip=$1 seen
  seen=$(for _ in $(seq 30); do curl -s -m 1 "http://$vip:10000/"; echo; done | sort -u | grep -c '^FERole_IN_') || true
  [ "$seen" = 3 ] || return 1
  python3 - "$vip" <<'PY' || return 1
import socket, sys
vip = sys.argv[1]
def tcp(port, line=b"hi\n"):
    with socket.create_connection((vip, port), timeout=1) as s:
        s.sendall(line)
        return s.recv(100)
def http(port):
    return tcp(port, b"GET / HTTP/1.0\r\n\r\n")
assert tcp(10001).strip()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1)
u.sendto(b"hi", (vip, 10002)); assert u.recv(100)
for port in (10110, 10111, 10112, 10210, 10211):
    assert b" 200 " in http(port)
PY
}

times=()
for run in $(seq "$runs"); do
  t0=$(date +%s.%N)
  "$bin" import "$sample/ServiceDefinition.csdef" --config "$sample/ServiceConfiguration.cscfg" >"$work/import.out"
  t1=$(date +%s.%N)
  vip=$("$bin" cloud-service show ProbeTenant --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["vip"])')
  deadline=$(( $(date +%s) + 60 ))
  until answering "$vip"; do
    [ "$(date +%s)" -lt $deadline ] || { echo "run $run: endpoints not answering after 60 s"; tail -20 "$work/serve.log"; exit 1; }
    sleep 0.05
  done
  t2=$(date +%s.%N)
  total=$(python3 -c "print(f'{$t2-$t0:.2f}')")
  printf 'run %d: import returned after %.2f s, every endpoint answering after %s s\n' "$run" "$(python3 -c "print($t1-$t0)")" "$total"
  times+=("$total")
  "$bin" cloud-service delete ProbeTenant >/dev/null
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median import -> all endpoints answering: %s s over %d runs (goal < 3 s)\n", a[int((NR+1)/2)], NR}'
