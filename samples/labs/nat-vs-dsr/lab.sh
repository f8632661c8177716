#!/usr/bin/env bash
# Lab: NAT vs direct server return (brief 002). One VM behind one frontend, reached two ways: an
# inbound NAT rule (frontend:8022 -> the VM's 8080: the host agent translates both ways) and a
# floating-IP rule (frontend:80 -> the VM, which owns the frontend IP and answers from it). In both
# the MUX carries only client -> frontend packets: Ananta's NAT is in the host, not in the MUX, and
# every reply goes straight back (DSR). What differs is what the VM sees.
# Needs a running `azlb serve` as root and az pointed at it: eval "$(azlb env)"; azlb az-login.
# Each step prints what it shows and checks it.
# Environment: AZLB (the azlb binary, default: azlb on PATH), AZLB_INSTANCE (serve --instance, if
# not 0), LAB_GROUP (resource group, default nat-lab), LAB_WORK (scratch dir, default mktemp).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab_group=nat-lab
# shellcheck source=../lib.sh
source "$here/../lib.sh"
client=198.19.0.7 # the client's address on "the internet"
ask() { "$AZLB" exec "${inst[@]}" internet -- curl -s -m 2 --interface "$client" "$1" || echo failed; }
part() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

step "1. web1 (10.0.0.4) behind a Standard LB: NAT rule fe:8022 -> 8080, floating-IP rule fe:80 -> 80"
az group create -n "$rg" -l westus -o none
az network vnet create -g "$rg" -n vnet --address-prefixes 10.0.0.0/16 --subnet-name default \
  --subnet-prefixes 10.0.0.0/24 -o none
az network public-ip create -g "$rg" -n pip --sku Standard -o none
az network lb create -g "$rg" -n lb --sku Standard --public-ip-address pip --frontend-ip-name fe \
  --backend-pool-name be -o none
az network lb probe create -g "$rg" --lb-name lb -n health --protocol Http --port 80 --path /health -o none
az network lb rule create -g "$rg" --lb-name lb -n dsr --protocol Tcp --frontend-port 80 --backend-port 80 \
  --frontend-ip-name fe --backend-pool-name be --probe-name health --floating-ip true -o none
az network lb inbound-nat-rule create -g "$rg" --lb-name lb -n nat --protocol Tcp --frontend-port 8022 \
  --backend-port 8080 --frontend-ip-name fe -o none
az network nic create -g "$rg" -n web1 --vnet-name vnet --subnet default --private-ip-address 10.0.0.4 \
  --lb-name lb --lb-address-pools be --lb-inbound-nat-rules nat -o none
vip=$(az network public-ip show -g "$rg" -n pip --query ipAddress -o tsv)
echo "frontend $vip"

step "2. In web1: whoami.py on 80 and 8080, and the frontend IP on loopback (floating IP needs it)"
"$AZLB" exec "${inst[@]}" web1 -- ip addr add "$vip/32" dev lo
"$AZLB" exec "${inst[@]}" web1 -- ip -br addr show lo
for port in 80 8080; do
  "$AZLB" exec "${inst[@]}" web1 -- python3 "$here/../whoami.py" web1 "$port" >/dev/null 2>&1 &
  pids+=($!)
done
answers() { [[ $(ask "$1") == web1* ]]; }
until_ok 60 answers "http://$vip:8022/" || fail "the NAT rule never answered"
until_ok 60 answers "http://$vip/" || fail "the floating-IP rule never answered"

# watch NAME URL: 5 requests to URL with captures on both MUXes, the VM and the client; prints
# what each saw and leaves the captures as $work/NAME-*.pcap.
watch() {
  local m
  for m in 0 1; do
    capture "$(field "[p['namespace'] for p in s['processes'] if p['kind']=='mux' and p['index']==$m][0]")" \
      tun0 "$work/$1-mux$m.pcap" "host $client"
  done
  capture "$(namespace_of web1)" eth0 "$work/$1-vm.pcap" "host $client"
  capture "$(field "s['internet']")" eth0 "$work/$1-client.pcap" "host $client"
  for _ in 1 2 3 4 5; do last=$(ask "$2"); done
  stop_captures
  echo "the VM answered: $last"
  echo "the MUXes' tun0: $(mux_saw "$1" src) packets client -> frontend, $(mux_saw "$1" dst) back to the client"
  echo "web1's eth0:     in $(vm_first "$1" src), out $(vm_first "$1" dst)"
  echo "client's eth0:   replies from $(client_reply "$1")"
}
# mux_saw NAME DIRECTION: packets of case NAME on both MUXes, DIRECTION "src" (to the frontend) or "dst".
mux_saw() { echo $(($(count "$work/$1-mux0.pcap" "$2 host $client") + $(count "$work/$1-mux1.pcap" "$2 host $client"))); }
# vm_first NAME DIRECTION: the first packet the VM saw from (src) or to (dst) the client: "A.port > B.port".
vm_first() { tcpdump -nr "$work/$1-vm.pcap" "$2 host $client" -c1 2>/dev/null | sed 's/.* IP //; s/: Flags.*//'; }
client_reply() { tcpdump -nr "$work/$1-client.pcap" "dst host $client" -c1 2>/dev/null | sed 's/.* IP //; s/ > .*//'; }

step "3. Inbound NAT rule ($vip:8022): the host agent rewrites to 10.0.0.4:8080 and back"
watch nat "http://$vip:8022/"
[[ $(part local "$last") == 10.0.0.4:8080 ]] || fail "the VM should see its own address and port 8080"
[[ $(vm_first nat src) == "$client".*" > 10.0.0.4.8080" ]] || fail "the VM's packets in are not to 10.0.0.4:8080"
[[ $(vm_first nat dst) == "10.0.0.4.8080 > $client".* ]] || fail "the VM's replies are not from 10.0.0.4:8080"
[[ $(client_reply nat) == "$vip.8022" ]] || fail "the client's replies are not from $vip:8022"

step "4. Floating IP ($vip:80): the VM itself receives and answers as $vip:80"
watch dsr "http://$vip/"
[[ $(part local "$last") == "$vip:80" ]] || fail "the VM should see the frontend IP"
[[ $(vm_first dsr src) == "$client".*" > $vip.80" ]] || fail "the VM's packets in are not to $vip:80"
[[ $(vm_first dsr dst) == "$vip.80 > $client".* ]] || fail "the VM's replies are not from $vip:80"
[[ $(client_reply dsr) == "$vip.80" ]] || fail "the client's replies are not from $vip:80"

step "5. In both, the MUXes carried only client -> frontend packets: every reply went around them"
for c in nat dsr; do
  echo "$c: MUXes saw $(mux_saw "$c" src) packets to the frontend, $(mux_saw "$c" dst) to the client"
  (($(mux_saw "$c" src) > 0 && $(mux_saw "$c" dst) == 0)) || fail "$c: the MUXes saw replies (or nothing)"
done
echo "lab passed"
