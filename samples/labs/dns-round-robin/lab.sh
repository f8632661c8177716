#!/usr/bin/env bash
# Lab: DNS round robin vs a load balancer (brief 002). A DNS server on "the internet" hands out two
# VMs' own public addresses in turn; a client resolves once and keeps its answer. When one VM's
# server stops, DNS neither knows nor tells, and the client stays on the dead address; the same
# client through one load-balanced frontend is moved to the live VM by the health probe.
# Needs a running `azlb serve` as root and az pointed at it: eval "$(azlb env)"; azlb az-login.
# Each step prints what it shows and checks it.
# Environment: AZLB (the azlb binary, default: azlb on PATH), AZLB_INSTANCE (serve --instance, if
# not 0), LAB_GROUP (resource group, default dns-lab), LAB_WORK (scratch dir, default mktemp).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab_group=dns-lab
# shellcheck source=../lib.sh
source "$here/../lib.sh"
dns=198.19.0.53       # the DNS server, in the internet namespace
client=198.19.0.7     # the client's address on "the internet"
inet() { "$AZLB" exec "${inst[@]}" internet -- "$@"; }
# ask URL: one new connection from the client; prints the VM that answered, or "failed".
ask() { inet curl -s -m 2 --interface "$client" "$1" || echo failed; }

step "1. Two VMs, each with its own public IP (web1-pip, web2-pip), and a Standard LB over both"
az group create -n "$rg" -l westus -o none
az network vnet create -g "$rg" -n vnet --address-prefixes 10.0.0.0/16 --subnet-name default \
  --subnet-prefixes 10.0.0.0/24 -o none
az network public-ip create -g "$rg" -n lb-pip --sku Standard -o none
az network lb create -g "$rg" -n lb --sku Standard --public-ip-address lb-pip --frontend-ip-name fe \
  --backend-pool-name be -o none
az network lb probe create -g "$rg" --lb-name lb -n health --protocol Http --port 8080 --path /health \
  --interval 5 --probe-threshold 1 -o none
az network lb rule create -g "$rg" --lb-name lb -n web --protocol Tcp --frontend-port 80 --backend-port 8080 \
  --frontend-ip-name fe --backend-pool-name be --probe-name health --disable-outbound-snat true -o none
declare -A pid_of
for i in 1 2; do
  az network public-ip create -g "$rg" -n "web$i-pip" --sku Standard -o none
  az network nic create -g "$rg" -n "web$i" --vnet-name vnet --subnet default --private-ip-address "10.0.0.$((i + 3))" \
    --public-ip-address "web$i-pip" --lb-name lb --lb-address-pools be -o none
  mkdir -p "$work/web$i" && echo "web$i" >"$work/web$i/index.html" && echo ok >"$work/web$i/health"
done
ip_of() { az network public-ip show -g "$rg" -n "$1" --query ipAddress -o tsv; }
web1_ip=$(ip_of web1-pip) web2_ip=$(ip_of web2-pip) lb_ip=$(ip_of lb-pip)
start_server() {
  "$AZLB" exec "${inst[@]}" "web$1" -- python3 -m http.server 8080 --directory "$work/web$1" >/dev/null 2>&1 &
  pid_of[$1]=$!
  pids+=($!)
}
start_server 1
start_server 2
serves() { [[ $(ask "http://$1:8080/") == "$2" ]]; }
until_ok 60 serves "$web1_ip" web1 || fail "web1 never answered at $web1_ip"
until_ok 60 serves "$web2_ip" web2 || fail "web2 never answered at $web2_ip"
echo "web1: http://$web1_ip:8080/  web2: http://$web2_ip:8080/  load balancer: http://$lb_ip/"

step "2. dnsmasq on the internet ($dns): www.lab.test -> both VMs' addresses, lb.lab.test -> the frontend"
printf '%s www.lab.test\n%s www.lab.test\n%s lb.lab.test\n' "$web1_ip" "$web2_ip" "$lb_ip" >"$work/hosts"
# (started by azlb exec itself, not through inet(), so that $! is dnsmasq and the clean-up ends it)
"$AZLB" exec "${inst[@]}" internet -- dnsmasq --no-daemon --no-resolv --no-hosts --addn-hosts="$work/hosts" \
  --listen-address="$dns" --bind-interfaces --local-ttl=30 --log-queries --log-facility="$work/dnsmasq.log" \
  >/dev/null 2>&1 &
pids+=($!)
resolve() { inet dig +short "@$dns" "$1" | head -n 1; }
dns_up() { [[ -n $(resolve lb.lab.test) ]]; }
until_ok 10 dns_up || fail "dnsmasq does not answer at $dns"
inet dig "@$dns" www.lab.test | sed -n '/ANSWER SECTION/,/^$/p'

step "3. Round robin: each new resolution puts the other address first; a client uses the first one"
first_a=$(resolve www.lab.test)
first_b=$(resolve www.lab.test)
echo "client A resolved www.lab.test to $first_a, client B to $first_b; dnsmasq's log of the two:"
grep --no-group-separator -A2 'query\[A\] www.lab.test' "$work/dnsmasq.log" | tail -n 6
[[ $first_a != "$first_b" ]] || fail "dnsmasq gave the same first address twice"
a_answers=$(for _ in 1 2 3 4 5; do ask "http://$first_a:8080/"; done | sort -u | tr '\n' ' ')
b_answers=$(for _ in 1 2 3 4 5; do ask "http://$first_b:8080/"; done | sort -u | tr '\n' ' ')
echo "client A's 5 connections answered by: $a_answers; client B's: $b_answers"
[[ $a_answers != "$b_answers" && $a_answers != *" "?* && $b_answers != *" "?* ]] ||
  fail "DNS round robin should pin each client to one VM"

step "4. web1's server stops. DNS does not know: it still hands out $web1_ip, and a client that has it fails"
kill "${pid_of[1]}"
down() { [[ $(ask "http://$web1_ip:8080/") == failed ]]; }
until_ok 10 down || fail "web1 still answers"
cached=$web1_ip
echo "a client holding $cached (its cached answer, TTL 30 s): $(ask "http://$cached:8080/")"
answers=$(for _ in 1 2 3 4; do inet dig +short "@$dns" www.lab.test; done | sort -u | tr '\n' ' ')
echo "4 new resolutions still list: $answers"
[[ $answers == *"$web1_ip "* ]] || fail "DNS stopped handing out $web1_ip"

step "5. The same client through the load balancer (lb.lab.test -> $lb_ip): the probe takes web1 out"
lb=$(resolve lb.lab.test)
[[ $lb == "$lb_ip" ]] || fail "lb.lab.test resolved to $lb"
only_web2() { [[ $(for _ in $(seq 10); do ask "http://$lb/"; done | sort -u | tr '\n' ' ') == "web2 " ]]; }
until_ok 30 only_web2 || fail "the load balancer kept sending connections to web1"
echo "10 connections to http://$lb/ answered by: web2 (web1's probe: $("$AZLB" status "${inst[@]}" | grep -m1 'probe .* 10.0.0.4' || true))"

step "6. web1's server is back: the probe returns it to rotation; DNS never noticed either change"
start_server 1
both() { [[ $(for _ in $(seq 20); do ask "http://$lb/"; done | sort -u | tr '\n' ' ') == "web1 web2 " ]]; }
until_ok 30 both || fail "web1 did not return to the load balancer's rotation"
echo "20 connections to http://$lb/ answered by: web1 web2"
echo "lab passed"
