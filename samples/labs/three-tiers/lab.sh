#!/usr/bin/env bash
# Lab: the three tiers of Ananta (brief 000) on real packets: the router learns each frontend from
# the MUXes over BGP and spreads flows over them by ECMP; a MUX hashes and encapsulates; the host
# agent decapsulates, translates and returns directly (DSR), so a MUX only ever sees one direction.
# Needs a running `azlb serve` as root with BGP routing (the default when BIRD is installed) and az
# pointed at it: eval "$(azlb env)"; azlb az-login. Each step prints what it shows and checks it.
# Environment: AZLB (the azlb binary, default: azlb on PATH), AZLB_INSTANCE (serve --instance, if
# not 0), LAB_GROUP (resource group, default tiers-lab), LAB_WORK (scratch dir, default mktemp).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab_group=tiers-lab
# shellcheck source=../lib.sh
source "$here/../lib.sh"

step "1. Deploy samples/arm/web-tier.json: a Standard LB over web1..web3, a web server in each VM"
az group create -n "$rg" -l westus -o none
az deployment group create -g "$rg" -n web --template-file "$here/../../arm/web-tier.json" -o none
vip=$(az network public-ip show -g "$rg" -n web-lb-pip --query ipAddress -o tsv)
for i in 1 2 3; do
  mkdir -p "$work/web$i" && echo "web$i" >"$work/web$i/index.html" && echo ok >"$work/web$i/health"
  "$AZLB" exec "${inst[@]}" "web$i" -- python3 -m http.server 8080 --directory "$work/web$i" >/dev/null 2>&1 &
  pids+=($!)
done
answers() { [[ -n $(curl -s -m 2 "http://$vip/") ]]; }
until_ok 60 answers || fail "the frontend $vip never answered"
echo "frontend: http://$vip/"

step "2. The router learned $vip from both MUXes over BGP; BIRD made it one ECMP route"
"$AZLB" exec "${inst[@]}" router -- birdc show protocols | grep -E '^mux[0-9]'
"$AZLB" exec "${inst[@]}" router -- birdc show route "$vip/32" | tee "$work/bird-route.txt"
grep -q 'on mux0' "$work/bird-route.txt" && grep -q 'on mux1' "$work/bird-route.txt" ||
  fail "BIRD does not hold $vip from both MUXes"
"$AZLB" exec "${inst[@]}" router -- ip route show "$vip" | tee "$work/kernel-route.txt"
[[ $(grep -c 'nexthop via' "$work/kernel-route.txt") == 2 ]] || fail "the kernel's route has no two next hops"

step "3. 40 connections spread over the MUXes (the router hashes each 5-tuple)"
mux_rx() { field "' '.join(str(p['live']['rx']) for p in s['processes'] if p['kind']=='mux')"; }
read -r -a before <<<"$(mux_rx)"
for _ in $(seq 40); do curl -s -m 2 -o /dev/null "http://$vip/"; done
read -r -a after <<<"$(mux_rx)"
for m in 0 1; do
  echo "mux$m received $((after[m] - before[m])) packets"
  ((after[m] > before[m])) || fail "mux$m took no flow"
done

step "4. Direct server return: a MUX sees only client -> frontend packets; the VM sees both ways"
mux_ns=$(field "[p['namespace'] for p in s['processes'] if p['kind']=='mux'][0]")
vm_ns=$(namespace_of web1)
ip netns exec "$mux_ns" timeout 8 tcpdump -ni tun0 -w "$work/mux.pcap" "host $vip" 2>"$work/mux.err" &
cap1=$!
ip netns exec "$vm_ns" timeout 8 tcpdump -ni eth0 -w "$work/vm.pcap" "tcp port 8080" 2>"$work/vm.err" &
cap2=$!
until_ok 5 grep -q 'listening on' "$work/mux.err" || fail "tcpdump did not start on the MUX"
until_ok 5 grep -q 'listening on' "$work/vm.err" || fail "tcpdump did not start in the VM"
for _ in $(seq 30); do curl -s -m 2 -o /dev/null "http://$vip/"; done
wait $cap1 $cap2 || true
to_vip=$(tcpdump -nr "$work/mux.pcap" "dst host $vip" 2>/dev/null | wc -l)
from_vip=$(tcpdump -nr "$work/mux.pcap" "src host $vip" 2>/dev/null | wc -l)
to_vm=$(tcpdump -nr "$work/vm.pcap" "dst port 8080" 2>/dev/null | wc -l)
from_vm=$(tcpdump -nr "$work/vm.pcap" "src port 8080" 2>/dev/null | wc -l)
echo "MUX $mux_ns tun0: $to_vip packets to $vip, $from_vip from it"
echo "VM  $vm_ns eth0: $to_vm packets to :8080, $from_vm from it"
((to_vip > 0 && from_vip == 0)) || fail "the MUX saw replies (or nothing)"
((to_vm > 0 && from_vm > 0)) || fail "the VM did not see both directions"

step "5. azlb trace: why one flow goes where it goes"
"$AZLB" trace tcp "$vip:80" --from "$(field "s['rootAddress']"):40000" | tee "$work/trace.txt"
grep -q ': delivered to web[123] ' "$work/trace.txt" || fail "the trace did not deliver to a VM"
echo "lab passed"
