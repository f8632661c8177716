#!/usr/bin/env bash
# Lab: an L7 proxy vs an L4 load balancer (brief 002). nginx in a VM proxies HTTP to two app VMs:
# it ends the client's TCP connection and opens its own, so an app sees the proxy's address and
# learns the client's only from X-Forwarded-For. Through azlb (L4) the app VM gets the client's
# own connection: its address and port, one TCP connection end to end.
# Needs a running `azlb serve` as root and az pointed at it: eval "$(azlb env)"; azlb az-login.
# Each step prints what it shows and checks it.
# Environment: AZLB (the azlb binary, default: azlb on PATH), AZLB_INSTANCE (serve --instance, if
# not 0), LAB_GROUP (resource group, default l7-lab), LAB_WORK (scratch dir, default mktemp).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab_group=l7-lab
# shellcheck source=../lib.sh
source "$here/../lib.sh"
client=198.19.0.7 # the client's address on "the internet"
inet() { "$AZLB" exec "${inst[@]}" internet -- "$@"; }
# ask URL: one new connection from the client; prints the app's line and the client's own port.
ask() {
  local out
  out=$(inet curl -s -m 2 --interface "$client" -w ' client-port=%{local_port}' "$1") || out=failed
  echo "${out//$'\n'/}"
}
# part NAME LINE: the value of NAME=... in one of whoami.py's answers.
part() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
syns='tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' # connection openings

step "1. One Standard LB, two frontends: proxy-pip:80 -> the proxy VM, app-pip:80 -> app1, app2 :8080"
az group create -n "$rg" -l westus -o none
az network vnet create -g "$rg" -n vnet --address-prefixes 10.0.0.0/16 --subnet-name default \
  --subnet-prefixes 10.0.0.0/24 -o none
for p in proxy app; do az network public-ip create -g "$rg" -n "$p-pip" --sku Standard -o none; done
az network lb create -g "$rg" -n lb --sku Standard --public-ip-address proxy-pip --frontend-ip-name proxy \
  --backend-pool-name proxy -o none
az network lb frontend-ip create -g "$rg" --lb-name lb -n app --public-ip-address app-pip -o none
az network lb address-pool create -g "$rg" --lb-name lb -n app --vnet vnet -o none
az network lb address-pool address add -g "$rg" --lb-name lb --pool-name proxy -n proxy --ip-address 10.0.0.4 \
  --vnet vnet -o none
for i in 1 2; do
  az network lb address-pool address add -g "$rg" --lb-name lb --pool-name app -n "app$i" \
    --ip-address "10.0.0.$((i + 4))" --vnet vnet -o none
done
az network lb probe create -g "$rg" --lb-name lb -n proxy --protocol Tcp --port 80 -o none
az network lb probe create -g "$rg" --lb-name lb -n app --protocol Http --port 8080 --path /health -o none
az network lb rule create -g "$rg" --lb-name lb -n proxy --protocol Tcp --frontend-port 80 --backend-port 80 \
  --frontend-ip-name proxy --backend-pool-name proxy --probe-name proxy -o none
az network lb rule create -g "$rg" --lb-name lb -n app --protocol Tcp --frontend-port 80 --backend-port 8080 \
  --frontend-ip-name app --backend-pool-name app --probe-name app -o none
proxy_ip=$(az network public-ip show -g "$rg" -n proxy-pip --query ipAddress -o tsv)
app_ip=$(az network public-ip show -g "$rg" -n app-pip --query ipAddress -o tsv)

step "2. A server in app1 and app2 that tells what it saw; nginx in the proxy VM in front of both"
for i in 1 2; do
  "$AZLB" exec "${inst[@]}" "app$i" -- python3 "$here/../whoami.py" "app$i" 8080 >/dev/null 2>&1 &
  pids+=($!)
done
mkdir -p "$work/nginx/tmp"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 256; }
http {
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  upstream app { server 10.0.0.5:8080; server 10.0.0.6:8080; }
  server {
    listen 80;
    location / {
      proxy_pass http://app;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
CONF
cat "$work/nginx.conf"
"$AZLB" exec "${inst[@]}" proxy -- nginx -c "$work/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
pids+=($!)
answers() { [[ $(ask "http://$1/") == app* ]]; }
until_ok 60 answers "$proxy_ip" || fail "the proxy's frontend http://$proxy_ip/ never answered"
until_ok 60 answers "$app_ip" || fail "the apps' frontend http://$app_ip/ never answered"

step "3. Through the L7 proxy: the app sees the proxy (10.0.0.4) and the client only in X-Forwarded-For"
capture "$(namespace_of proxy)" eth0 "$work/proxy.pcap" "$syns"
for _ in 1 2 3 4 5; do
  line=$(ask "http://$proxy_ip/")
  echo "$line"
  [[ $(part peer "$line") == 10.0.0.4:* ]] || fail "the app did not see the proxy's address"
  [[ $(part x-forwarded-for "$line") == "$client" ]] || fail "X-Forwarded-For is not the client"
done
stop_captures
tcpdump -nr "$work/proxy.pcap" 2>/dev/null
from_client=$(count "$work/proxy.pcap" "src host $client and dst port 80")
to_apps=$(count "$work/proxy.pcap" "src host 10.0.0.4 and dst port 8080")
echo "the proxy VM's eth0: $from_client connections from the client, $to_apps of its own to the apps"
((from_client == 5 && to_apps == 5)) || fail "expected two TCP connections per request"

step "4. Through azlb (L4): the app sees the client's own address and port, one connection"
capture "$(namespace_of app1)" eth0 "$work/app1.pcap" "$syns"
capture "$(namespace_of app2)" eth0 "$work/app2.pcap" "$syns"
for _ in 1 2 3 4 5; do
  line=$(ask "http://$app_ip/")
  echo "$line"
  [[ $(part peer "$line") == "$client:$(part client-port "$line")" ]] ||
    fail "the app did not see the client's address and port"
  [[ $(part x-forwarded-for "$line") == - ]] || fail "an L4 load balancer adds no header"
done
stop_captures
tcpdump -nr "$work/app1.pcap" 2>/dev/null
tcpdump -nr "$work/app2.pcap" 2>/dev/null
opened=$(($(count "$work/app1.pcap" "src host $client") + $(count "$work/app2.pcap" "src host $client")))
others=$(($(count "$work/app1.pcap" "not src host $client") + $(count "$work/app2.pcap" "not src host $client")))
echo "app1 and app2's eth0: $opened connections, all from $client (and $others from elsewhere: health probes)"
((opened == 5)) || fail "expected the client's 5 connections at the apps"
echo "lab passed"
