#!/usr/bin/env bash
# e2e: README's own commands, verbatim and in README's order, as a newcomer runs them: every ```sh
# block that README marks with `<!-- e2e: readme` (the az set-up lines, the complete az session,
# the real-traffic block, the cloud-service import, the outbound block), in one shell, against a real `azlb serve` with its data plane (root).
# What README promises is then checked: az lists the load balancer, the curl loop is answered by
# vm1, vm2 and vm3, the cloud service's by its three FE instances. Usage: run_readme.sh <path to azlb>. Exit 77 (skip) without root or az.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
bin=$(cd "$(dirname "${1:?usage: run_readme.sh <path to azlb>}")" && pwd)/$(basename "$1")
readme=$here/../../README.md
azlb_require_cmd az
azlb_require_cmd python3
if [[ $(id -u) != 0 ]]; then echo "SKIP: README's traffic block builds a data plane and needs root" >&2; exit "$AZLB_SKIP_CODE"; fi

# README's blocks, in order: the fence after each marker line, up to its closing fence.
script=$(awk '/^<!-- e2e: readme/ {want=1; next}
              want && /^```sh$/ {inblock=1; next}
              inblock && /^```$/ {inblock=0; want=0; print ""; next}
              inblock {print}' "$readme")
blocks=$(grep -c '^<!-- e2e: readme' "$readme")
[[ $blocks -ge 3 && -n $script ]] || { echo "FAIL: README has $blocks marked blocks (want the 3 of the quick start)"; exit 1; }

instance=rd
"$bin" cleanup --instance $instance >/dev/null 2>&1 || true
azlb_start "$bin" --dataplane on --instance $instance --public-prefix 198.18.237.0/24 --underlay 100.117.0.0/16 \
  --probe-time-scale 0.2 || exit 1
# What README's reader has: `azlb` on PATH (scripts/start.sh links it), this server's port and data
# dir as the defaults `azlb env` reads, this instance as the one `azlb status` and `exec` read.
mkdir -p "$AZLB_DATA/path" "$AZLB_DATA/cwd"
ln -s "$(cd "$here/../.." && pwd)/samples" "$AZLB_DATA/cwd/samples"   # README's paths are from the repo root
ln -s "$bin" "$AZLB_DATA/path/azlb"
export PATH=$AZLB_DATA/path:$PATH AZLB_DATA_DIR=$AZLB_DATA/data AZLB_INSTANCE=$instance
printf '%s\n' "$script" >"$AZLB_DATA/readme.sh"
(cd "$AZLB_DATA/cwd" && timeout --kill-after=10 300 bash -e "$AZLB_DATA/readme.sh") >"$AZLB_DATA/readme.out" 2>&1
rc=$?
status=0
if [[ $rc != 0 ]]; then
  echo "FAIL: README's commands exited $rc; their output:"; tail -40 "$AZLB_DATA/readme.out"; status=1
fi
for vm in vm1 vm2 vm3; do
  grep -Eq "^ *[0-9]+ $vm\$" "$AZLB_DATA/readme.out" || { echo "FAIL: the curl loop got no answer from $vm"; status=1; }
done
grep -q '"name": "lb1"' "$AZLB_DATA/readme.out" || { echo "FAIL: az network lb show did not print lb1"; status=1; }
for inst in FERole_IN_0 FERole_IN_1 FERole_IN_2; do
  grep -Eq "^ *[0-9]+ $inst\$" "$AZLB_DATA/readme.out" || { echo "FAIL: the cloud service's :10000 loop got no answer from $inst"; status=1; }
done
grep -Eq '^FERole_IN_1$' "$AZLB_DATA/readme.out" || { echo "FAIL: VIP:10111 did not reach FERole_IN_1"; status=1; }
# Routing: both MUXes' BGP sessions are up in BIRD and the frontend's route is ECMP over both.
[[ $(grep -Ec '^mux[01] +BGP +--- +up .*Established' "$AZLB_DATA/readme.out") == 2 ]] ||
  { echo "FAIL: birdc show protocols did not list two Established MUX sessions"; status=1; }
grep -Eq '^  route +198\.18\.237\.[0-9]+/32 +via 100\.117\.1\.2 \(mux0\), 100\.117\.1\.6 \(mux1\)' "$AZLB_DATA/readme.out" ||
  { echo "FAIL: azlb status did not show a frontend routed over both MUXes"; status=1; }
# Trace: the frontend's flow is delivered to one of the three VMs, through a MUX the router picked.
grep -Eq '^tcp 100\.64\.255\.1:40000 -> 198\.18\.237\.[0-9]+:80: delivered to vm[123] ' "$AZLB_DATA/readme.out" &&
  grep -Eq '^  router +ECMP over 2 MUX\(es\) \(mux0, mux1\)' "$AZLB_DATA/readme.out" ||
  { echo "FAIL: azlb trace did not deliver the frontend's flow through the router's choice"; status=1; }
grep -Eq '^tcp 10\.0\.0\.4:40000 -> 198\.19\.0\.10:80: delivered' "$AZLB_DATA/readme.out" ||
  { echo "FAIL: azlb trace from vm1 to the internet"; status=1; }
# Network security groups (serve's default --nsg warn): the curls to Standard backends without a
# group (the quick start's, the cloud service's) were logged with Azure's verdict; the new group's
# rule counts hits.
grep -Eq '^azlb host-agent [01]: nsg warn: Azure would drop tcp [0-9.]+:[0-9]+ -> 10\.0\.[0-9.]+:[0-9]+ \(inbound to 10\.0\.[0-9.]+\): no network security group' "$AZLB_DATA/readme.out" ||
  { echo "FAIL: the host agents' log has no nsg warn line for the quick start's curls"; status=1; }
grep -Eq '^  nsg rule +web-nsg +Inbound +allow-8080 +hits [1-9]' "$AZLB_DATA/readme.out" ||
  { echo "FAIL: azlb status did not count hits on web-nsg/allow-8080"; status=1; }
# Ping and traceroute: the frontend answered both pings; traceroute ended at it, after the router.
grep -Eq '^2 packets transmitted, 2 received' "$AZLB_DATA/readme.out" || { echo "FAIL: ping to the frontend was not answered"; status=1; }
grep -Eq '^ 1  100\.117\.255\.2 ' "$AZLB_DATA/readme.out" && grep -Eq '^ 3  198\.18\.237\.[0-9]+ ' "$AZLB_DATA/readme.out" ||
  { echo "FAIL: traceroute -I did not show the router and then the frontend at hop 3"; status=1; }
# Outbound: vm1 reached the web server in the internet namespace, through rule web's SNAT.
grep -q '^reached$' "$AZLB_DATA/readme.out" || { echo "FAIL: vm1 did not reach 198.19.0.10 through SNAT"; status=1; }
grep -Eq '^  outbound +vm1 +10\.0\.0\.4 +LoadBalancingRule from 198\.18\.237\.[0-9]+, 1024 ports' "$AZLB_DATA/readme.out" ||
  { echo "FAIL: azlb status did not show vm1's outbound through the rule"; status=1; }
# The brief's original csdef (its typo) is refused by azlb import with its line, exit 2, nothing made.
"$bin" import "$here/../fixtures/cloudservice/ProbeTenant-brief.csdef" >"$AZLB_DATA/typo.out" 2>&1
typo=$?
if [[ $typo != 2 ]] || ! grep -q 'ProbeTenant-brief.csdef:27:.*malformed XML' "$AZLB_DATA/typo.out"; then
  echo "FAIL: azlb import of the brief's typo: exit $typo, $(cat "$AZLB_DATA/typo.out")"; status=1
fi
[[ $status == 0 ]] || tail -60 "$AZLB_LOG"
azlb_finish_dataplane "$bin" $instance $status
