#!/usr/bin/env bash
# Lab: Azure Load Balancer health probes, admin state and health status, on real traffic.
# Needs a running `azlb serve` as root (it builds the data plane) and az pointed at it:
#   eval "$(azlb env)"; azlb az-login
# Each step prints what it shows and checks it; the script stops at the first surprise.
# Environment: AZLB (the azlb binary, default: azlb on PATH), AZLB_INSTANCE (serve --instance, if
# not 0), LAB_GROUP (resource group, default probes-lab), LAB_WORK (scratch dir, default mktemp).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab_group=probes-lab
# shellcheck source=../lib.sh
source "$here/../lib.sh"

step "1. Deploy samples/arm/web-tier.json: a VNet, a public IP and a Standard LB over web1..web3"
az group create -n "$rg" -l westus -o none
az deployment group create -g "$rg" -n web --template-file "$here/../../arm/web-tier.json" -o none
vip=$(az network public-ip show -g "$rg" -n web-lb-pip --query ipAddress -o tsv)
lb=$(az network lb show -g "$rg" -n web-lb --query id -o tsv)
echo "frontend: http://$vip/  (load balancer $lb)"

step "2. A web server in each VM: / names the VM, /health answers 200 while the file exists"
for i in 1 2 3; do
  mkdir -p "$work/web$i"
  echo "web$i" >"$work/web$i/index.html"
  echo ok >"$work/web$i/health"
  "$AZLB" exec "${inst[@]}" "web$i" -- python3 -m http.server 8080 --directory "$work/web$i" >/dev/null 2>&1 &
  pids+=($!)
done

# The rule's health status, Azure's way: POST .../health answers 202 + Location; GET that.
health() {
  local loc
  loc=$(az rest --method post --url "$lb/loadBalancingRules/http/health?api-version=2024-05-01" --verbose 2>&1 |
    sed -n "s/.*'Location': '\([^']*\)'.*/\1/p")
  [[ -n $loc ]] || return 1
  az rest --method get --url "$loc" -o json
}
# reason IP: the reason code health status gives for one backend.
reason() { health | python3 -c 'import json,sys; d=json.load(sys.stdin); print(next((a["reason"] for a in d["loadBalancerBackendAddresses"] if a["ipAddress"]==sys.argv[1]), "absent"))' "$1"; }
reason_is() { [[ $(reason "$1") == "$2" ]]; }
all_up() { [[ $(health | python3 -c 'import json,sys; print(json.load(sys.stdin)["up"])') == 3 ]]; }
# answers N: which VMs answer N new connections to the frontend, sorted, one line.
answers() { for _ in $(seq "$1"); do curl -s -m 2 "http://$vip/" || echo none; done | sort -u | tr '\n' ' '; }
# expect_answers "VMS": shows the health status, then checks that 15 new connections reach exactly VMS.
expect_answers() {
  health
  local got
  got=$(answers 15)
  echo "15 connections answered by: $got"
  [[ $got == "$1 " ]] || fail "expected $1, got $got"
}

step "3. Every VM passes its probe (GET /health from 168.63.129.16) and takes connections"
until_ok 60 all_up || fail "the three backends never came up: $(health)"
expect_answers "web1 web2 web3"

step "4. web1's health endpoint goes away (404): its probe fails at once, new connections skip it"
rm "$work/web1/health"
until_ok 30 reason_is 10.0.0.4 Down_Probe_HttpStatusCodeError || fail "web1 is not down: $(health)"
expect_answers "web2 web3"

step "5. Admin state Up on web1 overrides its failing probe (and Down would keep a healthy one out)"
pool_url="$lb/backendAddressPools/web?api-version=2024-05-01"
az rest --method get --url "$pool_url" -o json |
  python3 -c 'import json,sys; p=json.load(sys.stdin); p["properties"]["loadBalancerBackendAddresses"][0]["properties"]["adminState"]="Up"; print(json.dumps({"properties": {"loadBalancerBackendAddresses": p["properties"]["loadBalancerBackendAddresses"]}}))' \
  >"$work/pool.json"
az rest --method put --url "$pool_url" --body @"$work/pool.json" -o none
until_ok 30 reason_is 10.0.0.4 Up_Admin || fail "web1 is not Up_Admin: $(health)"
expect_answers "web1 web2 web3"

step "6. Back to normal: admin state None, the health endpoint back; web1 returns after a passing probe"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["properties"]["loadBalancerBackendAddresses"][0]["properties"]["adminState"]="None"; print(json.dumps(p))' \
  "$work/pool.json" >"$work/pool-none.json"
az rest --method put --url "$pool_url" --body @"$work/pool-none.json" -o none
echo ok >"$work/web1/health"
until_ok 30 reason_is 10.0.0.4 Up_Probe_Success || fail "web1 did not come back: $(health)"
until_ok 30 all_up || fail "not all up again: $(health)"
echo "lab passed"
