#!/usr/bin/env bash
# e2e: Azure Monitor's load balancer metrics, scraped by a real Prometheus (Debian's `prometheus`,
# started here on a free port) from azlb's /metrics over HTTPS with azlb's CA. 20 new connections
# to a frontend must show as exactly 20 more SYNs in Prometheus (azlb_syn_count), with bytes and
# packets in both directions (azlb_byte_count, azlb_packet_count) and the frontend's
# VipAvailability. Usage: run_prometheus.sh <path to azlb>. Exit 77 (skip) without root.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
bin=$(cd "$(dirname "${1:?usage: run_prometheus.sh <path to azlb>}")" && pwd)/$(basename "$1")
azlb_require_cmd prometheus "apt-get install prometheus (scripts/install-deps.sh --test)"
azlb_require_cmd python3
if [[ $(id -u) != 0 ]]; then echo "SKIP: the frontend's traffic needs the data plane (root)" >&2; exit "$AZLB_SKIP_CODE"; fi
instance=pm
"$bin" cleanup --instance $instance >/dev/null 2>&1 || true
azlb_start "$bin" --dataplane on --instance $instance --public-prefix 198.18.232.0/24 --underlay 100.112.0.0/16 || exit 1
ca=$AZLB_DATA/data/tls/ca.pem
fail() { echo "FAIL: $*"; azlb_finish_dataplane "$bin" $instance 1; }
N=/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network
L=$N/loadBalancers/lb
azlb_api PUT /subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg '{"location":"westus"}' >/dev/null
azlb_api PUT $N/virtualNetworks/v '{"location":"westus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"s","properties":{"addressPrefix":"10.0.0.0/24"}}]}}' >/dev/null
azlb_api PUT $N/publicIPAddresses/pip '{"location":"westus","sku":{"name":"Standard"}}' >/dev/null
azlb_api PUT $L "{\"location\":\"westus\",\"sku\":{\"name\":\"Standard\"},\"properties\":{\"frontendIPConfigurations\":[{\"name\":\"fe\",\"properties\":{\"publicIPAddress\":{\"id\":\"$N/publicIPAddresses/pip\"}}}],\"backendAddressPools\":[{\"name\":\"be\",\"properties\":{\"loadBalancerBackendAddresses\":[{\"name\":\"vm1\",\"properties\":{\"ipAddress\":\"10.0.0.4\",\"virtualNetwork\":{\"id\":\"$N/virtualNetworks/v\"}}}]}}],\"loadBalancingRules\":[{\"name\":\"web\",\"properties\":{\"protocol\":\"Tcp\",\"frontendPort\":80,\"backendPort\":8080,\"frontendIPConfiguration\":{\"id\":\"$L/frontendIPConfigurations/fe\"},\"backendAddressPool\":{\"id\":\"$L/backendAddressPools/be\"}}}]}}" >/dev/null
azlb_wait_succeeded $L || fail "the load balancer was never built"
vip=$(azlb_api GET $N/publicIPAddresses/pip | python3 -c 'import json,sys; print(json.load(sys.stdin)["properties"]["ipAddress"])')
[[ $vip == 198.18.232.* ]] || fail "no frontend address ($vip)"
mkdir -p "$AZLB_DATA/www" && echo vm1 >"$AZLB_DATA/www/index.html"
"$bin" exec --instance $instance vm1 -- python3 -m http.server 8080 --bind 10.0.0.4 --directory "$AZLB_DATA/www" \
  >/dev/null 2>&1 &
web=$!
for _ in $(seq 100); do [[ $(curl -s --max-time 1 "http://$vip/") == vm1 ]] && break; sleep 0.1; done
[[ $(curl -s --max-time 2 "http://$vip/") == vm1 ]] || { kill $web; fail "the frontend does not answer"; }

# Prometheus scrapes azlb every second.
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$AZLB_DATA/prometheus.yml" <<YML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: azlb
    scheme: https
    tls_config: {ca_file: $ca}
    static_configs: [{targets: ["localhost:$AZLB_PORT"]}]
YML
prometheus --config.file="$AZLB_DATA/prometheus.yml" --storage.tsdb.path="$AZLB_DATA/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$AZLB_DATA/prometheus.log" 2>&1 &
prom=$!
query() {  # prints the first sample's value, or nothing
  curl -s "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else "")' 2>/dev/null
}
wait_for() {  # wait_for QUERY PYTHON-CONDITION-ON-v: up to 30 s
  local v
  for _ in $(seq 150); do
    v=$(query "$1")
    [[ -n $v ]] && python3 -c "import sys; v=$v; sys.exit(0 if ($2) else 1)" && { echo "$v"; return 0; }
    sleep 0.2
  done
  echo "${v:-none}"
  return 1
}
syn="azlb_syn_count{frontend_ip_address=\"$vip\",frontend_port=\"80\",direction=\"Inbound\"}"
status=0
before=$(wait_for "$syn" 'v >= 1') || { echo "FAIL: Prometheus never scraped $syn (log: $(tail -3 "$AZLB_DATA/prometheus.log"))"; status=1; }
# Let one more scrape see the settled value before the 20 connections.
sleep_until=$((SECONDS + 3)); while ((SECONDS < sleep_until)); do before=$(query "$syn"); sleep 0.5; done
for _ in $(seq 20); do curl -s --max-time 2 "http://$vip/" >/dev/null; done
after=$(wait_for "$syn" "v == $before + 20") || { echo "FAIL: SYNCount went from $before to $after, want +20"; status=1; }
for q in "azlb_byte_count{frontend_ip_address=\"$vip\",direction=\"Inbound\"}" \
  "azlb_byte_count{frontend_ip_address=\"$vip\",direction=\"Outbound\"}" \
  "azlb_packet_count{frontend_ip_address=\"$vip\",direction=\"Outbound\"}"; do
  v=$(wait_for "$q" 'v > 0') || { echo "FAIL: $q is $v"; status=1; }
done
v=$(wait_for "azlb_vip_availability{frontend_ip_address=\"$vip\"}" 'v == 100') || { echo "FAIL: VipAvailability $v"; status=1; }
echo "prometheus: SYNCount $before -> $after; ByteCount, PacketCount and VipAvailability present"
kill $prom $web 2>/dev/null
wait $prom 2>/dev/null
azlb_finish_dataplane "$bin" $instance $status
