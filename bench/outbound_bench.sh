#!/usr/bin/env bash
# Outbound benchmark (issue 12 §7), as root: one run measures a VM reaching a server "on the
# internet" two ways and prints azlb's figures as ratios to the plain routed path:
#   routed: a veth from the VM's namespace straight into the internet namespace (kernel only);
#   azlb:   the VM's default route: host agent SNAT (outbound rule) -> router -> internet, replies
#           -> router -> a MUX (the port's owner) -> host agent -> VM.
# usage: sudo bench/outbound_bench.sh [path/to/azlb]   (needs iperf3, wrk, curl, python3, nginx)
# The server is nginx (2 workers) and iperf3 in the internet namespace, not the limit on either
# path. The VM has 64,000 SNAT ports, the outbound rule a 120-minute idle timeout and serve
# --idle-timeout-scale 0.01 (idle 72 s, so iperf3's quiet control connection lives; a port returns
# 2.4 s after a FIN), so the connection-rate row measures azlb, not Azure's port-release timers.
# Uses its own instance (bo), public prefix and underlay; removes everything when done.
set -euo pipefail
bin=${1:-$(dirname "$0")/../build/cli/azlb}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
for t in iperf3 wrk curl python3 nginx; do command -v $t >/dev/null || { echo "needs $t"; exit 77; }; done
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
work=$(mktemp -d /tmp/azlb-obench.XXXXXX)
inst=bo prefix=198.18.245.0/24 underlay=100.120.0.0/16
cleanup() {
  [ -s "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -s "$work/iperf.pid" ] && kill "$(cat "$work/iperf.pid")" 2>/dev/null || true
  [ -n "${serve:-}" ] && kill "$serve" 2>/dev/null && wait "$serve" 2>/dev/null || true
  "$bin" cleanup --instance $inst >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"
bench_serve $inst $prefix $underlay --idle-timeout-scale 0.01
api PUT $N/virtualNetworks/v '{"location":"westus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"s","properties":{"addressPrefix":"10.0.0.0/24","defaultOutboundAccess":false}}]}}' >/dev/null
api PUT $N/publicIPAddresses/pip '{"location":"westus","sku":{"name":"Standard"}}' >/dev/null
L=$N/loadBalancers/lb
api PUT $L "{\"location\":\"westus\",\"sku\":{\"name\":\"Standard\"},\"properties\":{\"frontendIPConfigurations\":[{\"name\":\"fe\",\"properties\":{\"publicIPAddress\":{\"id\":\"$N/publicIPAddresses/pip\"}}}],\"backendAddressPools\":[{\"name\":\"be\",\"properties\":{\"loadBalancerBackendAddresses\":[{\"name\":\"vm1\",\"properties\":{\"ipAddress\":\"10.0.0.4\",\"virtualNetwork\":{\"id\":\"$N/virtualNetworks/v\"}}}]}}],\"outboundRules\":[{\"name\":\"out\",\"properties\":{\"protocol\":\"All\",\"allocatedOutboundPorts\":64000,\"idleTimeoutInMinutes\":120,\"frontendIPConfigurations\":[{\"id\":\"$L/frontendIPConfigurations/fe\"}],\"backendAddressPool\":{\"id\":\"$L/backendAddressPools/be\"}}}]}}" >/dev/null
bench_wait_succeeded $L
status() { "$bin" status --instance $inst --json; }
vmns=$(status | python3 -c 'import json,sys; print(json.load(sys.stdin)["vms"][0]["namespace"])')
inet=$(status | python3 -c 'import json,sys; print(json.load(sys.stdin)["internet"])')
# The plain routed path: a second link from the VM into the internet namespace, 172.31.254.0/30.
ip link add azlbbo-rt type veth peer name rt0 netns "$vmns"
ip link set azlbbo-rt netns "$inet"
ip -n "$inet" addr add 172.31.254.1/30 dev azlbbo-rt && ip -n "$inet" link set azlbbo-rt up
ip -n "$vmns" addr add 172.31.254.2/30 dev rt0 && ip -n "$vmns" link set rt0 up
# Servers in the internet namespace: iperf3 and nginx with a small page.
mkdir -p "$work/www" && echo ok >"$work/www/index.html"
"$bin" exec --instance $inst internet -- iperf3 -s -D -I "$work/iperf.pid" --logfile "$work/iperf.log"
cat >"$work/nginx.conf" <<EOF
user root; worker_processes 2; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $work/nb; proxy_temp_path $work/np; fastcgi_temp_path $work/nf;
  uwsgi_temp_path $work/nu; scgi_temp_path $work/ns;
  server { listen 80 reuseport; root $work/www; } }
EOF
"$bin" exec --instance $inst internet -- nginx -c "$work/nginx.conf" -p "$work"
invm() { "$bin" exec --instance $inst vm1 -- "$@"; }
for _ in $(seq 100); do invm curl -s -o /dev/null -m 1 "http://198.19.0.10/" && break; sleep 0.1; done

iperf() { invm iperf3 -c "$1" -t 5 -P "$2" ${3:-} -J > "$work/iperf.json" || true; python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["end"]["sum_received"]["bits_per_second"]/1e9 if "sum_received" in d.get("end",{}) else 0)' "$work/iperf.json"; }
# wrkrps HOST [close]: requests/s from the VM; with "close" each request is a new connection.
wrkrps() {
  local h=(); [ "${2:-}" = close ] && h=(-H 'Connection: close')
  invm wrk -t1 -c16 -d5s "${h[@]}" "http://$1/" | awk '/Requests\/sec/ {print $2}'
}
printf '%-40s %12s %12s %8s\n' measurement routed azlb ratio
row() { printf '%-40s %12.2f %12.2f %7.2fx\n' "$1" "$2" "$3" "$(python3 -c "print($3/$2 if $2 else 0)")"; }
row "upload, iperf3 1 stream (Gbit/s)" "$(iperf 172.31.254.1 1)" "$(iperf 198.19.0.10 1)"
row "download, iperf3 -R 1 stream (Gbit/s)" "$(iperf 172.31.254.1 1 -R)" "$(iperf 198.19.0.10 1 -R)"
row "download, iperf3 -R 4 streams (Gbit/s)" "$(iperf 172.31.254.1 4 -R)" "$(iperf 198.19.0.10 4 -R)"
row "HTTP keep-alive (req/s)" "$(wrkrps 172.31.254.1)" "$(wrkrps 198.19.0.10)"
row "new outbound connection each (conn/s)" "$(wrkrps 172.31.254.1 close)" "$(wrkrps 198.19.0.10 close)"
"$bin" status --instance $inst | grep -E "snat 10.0.0.4" || true
