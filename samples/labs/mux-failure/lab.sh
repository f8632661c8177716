#!/usr/bin/env bash
# Lab: a MUX fails under 50 open connections. BGP takes it out of the router's ECMP route; every
# connection keeps its backend (every MUX builds the same Maglev table, so the survivor picks what
# the dead one picked); new connections go to the survivor; the MUX comes back and announces
# again. Needs `azlb serve` as root with BGP routing and az pointed at it (eval "$(azlb env)").
# Environment: AZLB, AZLB_INSTANCE, LAB_GROUP (default mux-lab), LAB_WORK, as the other labs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab_group=mux-lab
# shellcheck source=../lib.sh
source "$here/../lib.sh"
stopped=""
lab_cleanup() { [[ -z $stopped ]] || kill -CONT "$stopped" 2>/dev/null || true; }
hops() { "$AZLB" exec "${inst[@]}" router -- ip route show "$vip" | grep -c 'nexthop via' || true; }
two_hops() { [[ $(hops) == 2 ]]; }
answers_health() { [[ $(curl -s -m 2 "http://$vip/health") == ok ]]; }
only_mux1() { "$AZLB" exec "${inst[@]}" router -- ip route show "$vip" | grep -q 'dev mux1' && [[ $(hops) == 0 ]]; }

step "1. A Standard LB over web1..web3 whose VMs keep connections open"
az group create -n "$rg" -l westus -o none
az deployment group create -g "$rg" -n web --template-file "$here/../../arm/web-tier.json" -o none
vip=$(az network public-ip show -g "$rg" -n web-lb-pip --query ipAddress -o tsv)
for i in 1 2 3; do
  "$AZLB" exec "${inst[@]}" "web$i" -- python3 "$here/vm_server.py" "web$i" >/dev/null 2>&1 &
  pids+=($!)
done
until_ok 60 answers_health || fail "the frontend $vip never answered"
until_ok 30 two_hops || fail "the router has no route over both MUXes"
"$AZLB" exec "${inst[@]}" router -- ip route show "$vip"

step "2. 50 connections, each answered by its VM"
coproc CLIENT { python3 "$here/clients.py" "$vip" 50; }
read -r -u "${CLIENT[0]}" line
echo "$line"
[[ $line == "open 50 "* ]] || fail "could not open 50 connections"
ask() { echo "$1" >&"${CLIENT[1]}"; read -r -u "${CLIENT[0]}" line; echo "$line"; }

step "3. mux0 fails (it hangs: kill -STOP): BIRD drops its session after the 3 s hold time"
mux0=$(field "[p['pid'] for p in s['processes'] if p['kind']=='mux' and p['index']==0][0]")
kill -STOP "$mux0"
stopped=$mux0
until_ok 10 only_mux1 || fail "the route still holds mux0"
"$AZLB" exec "${inst[@]}" router -- ip route show "$vip"
"$AZLB" exec "${inst[@]}" router -- birdc show protocols mux0 | tail -1

step "4. All 50 connections still reach their VM (through mux1, same Maglev choice); new ones too"
ask ask
[[ $line == "same 50" ]] || fail "connections broke or moved: $line"
ask "new 20"
[[ $line == "new 20" ]] || fail "new connections failed: $line"

step "5. mux0 dies (kill -9); the manager restarts it, it gets its snapshot and announces again"
kill -KILL "$mux0"
stopped=""
until_ok 20 two_hops || fail "mux0 did not come back into the route"
"$AZLB" exec "${inst[@]}" router -- ip route show "$vip"
echo "mux0 is now pid $(field "[p['pid'] for p in s['processes'] if p['kind']=='mux' and p['index']==0][0]")"
ask ask
[[ $line == "same 50" ]] || fail "connections broke when mux0 came back: $line"
echo "lab passed"
