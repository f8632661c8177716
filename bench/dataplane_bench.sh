#!/usr/bin/env bash
# Data-path benchmark (issue 3 §8), as root: one run measures the direct path (a veth from the root
# namespace straight into the VM: kernel only) and the azlb path (root → frontend → router → MUX →
# host agent → VM, replies by DSR), and prints every azlb figure as a ratio to direct.
# usage: sudo bench/dataplane_bench.sh [path/to/azlb]   (needs iperf3, wrk, curl, python3, nginx)
# The VM serves HTTP with nginx, a server that is not the limit on either path: with python's
# http.server both paths measured the server, and hid a 0.4-0.5x connection rate behind "1.2x".
# Uses its own instance (bn), public prefix and underlay; removes everything when done.
set -euo pipefail
bin=${1:-$(dirname "$0")/../build/cli/azlb}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
for t in iperf3 wrk curl python3 nginx; do command -v $t >/dev/null || { echo "needs $t"; exit 77; }; done
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
work=$(mktemp -d /tmp/azlb-bench.XXXXXX)
inst=bn prefix=198.18.252.0/24 underlay=100.126.0.0/16
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -s "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -n "${serve:-}" ] && kill "$serve" 2>/dev/null && wait "$serve" 2>/dev/null || true
  ip link del azlbbn-direct 2>/dev/null || true
  "$bin" cleanup --instance $inst >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"
bench_serve $inst $prefix $underlay
api PUT $N/virtualNetworks/v '{"location":"westus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"s","properties":{"addressPrefix":"10.0.0.0/24"}}]}}' >/dev/null
api PUT $N/publicIPAddresses/pip '{"location":"westus","sku":{"name":"Standard"}}' >/dev/null
L=$N/loadBalancers/lb
api PUT $L "{\"location\":\"westus\",\"sku\":{\"name\":\"Standard\"},\"properties\":{\"frontendIPConfigurations\":[{\"name\":\"fe\",\"properties\":{\"publicIPAddress\":{\"id\":\"$N/publicIPAddresses/pip\"}}}],\"backendAddressPools\":[{\"name\":\"be\",\"properties\":{\"loadBalancerBackendAddresses\":[{\"name\":\"vm1\",\"properties\":{\"ipAddress\":\"10.0.0.4\",\"virtualNetwork\":{\"id\":\"$N/virtualNetworks/v\"}}}]}}],\"loadBalancingRules\":[{\"name\":\"http\",\"properties\":{\"protocol\":\"Tcp\",\"frontendPort\":80,\"backendPort\":8080,\"frontendIPConfiguration\":{\"id\":\"$L/frontendIPConfigurations/fe\"},\"backendAddressPool\":{\"id\":\"$L/backendAddressPools/be\"}}},{\"name\":\"iperf\",\"properties\":{\"protocol\":\"Tcp\",\"frontendPort\":5201,\"backendPort\":5201,\"frontendIPConfiguration\":{\"id\":\"$L/frontendIPConfigurations/fe\"},\"backendAddressPool\":{\"id\":\"$L/backendAddressPools/be\"}}}]}}" >/dev/null
bench_wait_succeeded $L
vip=$(api GET $N/publicIPAddresses/pip | python3 -c 'import json,sys; print(json.load(sys.stdin)["properties"]["ipAddress"])')
vmns=$("$bin" status --instance $inst --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["vms"][0]["namespace"])')
# Direct path: a second link into the VM, 172.31.255.0/30, kernel only.
ip link add azlbbn-direct type veth peer name direct0 netns "$vmns"
ip addr add 172.31.255.1/30 dev azlbbn-direct && ip link set azlbbn-direct up
ip -n "$vmns" addr add 172.31.255.2/30 dev direct0 && ip -n "$vmns" link set direct0 up
# Servers in the VM: iperf3, and nginx (2 workers, as BASELINES.md) with a small page and a 1 GiB file.
mkdir -p "$work/www" && echo ok >"$work/www/index.html" && truncate -s 1G "$work/www/big"
"$bin" exec --instance $inst vm1 -- iperf3 -s -D -I "$work/iperf.pid" --logfile "$work/iperf.log"
cat >"$work/nginx.conf" <<EOF
user root; worker_processes 2; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 4096; }
http { access_log off; sendfile on; keepalive_requests 1000000;
  client_body_temp_path $work/nb; proxy_temp_path $work/np; fastcgi_temp_path $work/nf;
  uwsgi_temp_path $work/nu; scgi_temp_path $work/ns;
  server { listen 8080 reuseport; root $work/www; } }
EOF
"$bin" exec --instance $inst vm1 -- nginx -c "$work/nginx.conf" -p "$work"
for _ in $(seq 100); do curl -s -o /dev/null -m 1 "http://172.31.255.2:8080/" && break; sleep 0.1; done

iperf() { iperf3 -c "$1" -p 5201 -t 5 -P "$2" -J > "$work/iperf.json" || true; python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["end"]["sum_received"]["bits_per_second"]/1e9 if "sum_received" in d.get("end",{}) else 0)' "$work/iperf.json"; }
# wrkrps HOST:PORT CONNECTIONS [close]: requests/s; with "close" every request opens a new
# connection ("Connection: close", with its space: wrk sends a header without one that nginx
# ignores, and the row measured keep-alive until 2026-12-04).
wrkrps() {
  local h=(); [ "${3:-}" = close ] && h=(-H 'Connection: close')
  wrk -t1 -c"$2" -d5s "${h[@]}" "http://$1/" | awk '/Requests\/sec/ {print $2}'
}
download() { curl -s -o /dev/null -w '%{speed_download}' "http://$1/big" | awk '{print $1*8/1e9}'; }
printf '%-34s %14s %14s %8s\n' measurement direct azlb ratio
row() { printf '%-34s %14.2f %14.2f %7.2fx\n' "$1" "$2" "$3" "$(python3 -c "print($3/$2 if $2 else 0)")"; }
row "iperf3 1 stream (Gbit/s)" "$(iperf 172.31.255.2 1)" "$(iperf "$vip" 1)"
row "iperf3 4 streams (Gbit/s)" "$(iperf 172.31.255.2 4)" "$(iperf "$vip" 4)"
row "wrk keep-alive (req/s)" "$(wrkrps 172.31.255.2:8080 16)" "$(wrkrps "$vip:80" 16)"
row "wrk new connection each (req/s)" "$(wrkrps 172.31.255.2:8080 16 close)" "$(wrkrps "$vip:80" 16 close)"
row "1 GiB download (Gbit/s)" "$(download 172.31.255.2:8080)" "$(download "$vip:80")"
kill "$(cat "$work/iperf.pid")" 2>/dev/null || true
