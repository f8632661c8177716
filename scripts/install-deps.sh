#!/usr/bin/env bash
# Installs what azlb needs on Debian 12, as root. Idempotent: only missing packages are fetched.
# usage: scripts/install-deps.sh [--test]   (--test adds the packages the test tiers use)
set -euo pipefail
build_pkgs=(build-essential cmake ninja-build pkg-config git
  libboost-dev libcpp-httplib-dev libssl-dev libsqlite3-dev nlohmann-json3-dev
  libnl-3-dev libnl-route-3-dev libpugixml-dev libcli11-dev catch2
  iproute2 nftables procps openssl curl ca-certificates
  bird2 iputils-ping traceroute)
# bird2: the router's BGP daemon (serve --routing bgp, the default when it is installed); its own
# service is not started (policy-rc.d below): azlb runs one BIRD per router namespace.
# iputils-ping, traceroute: README's examples ping and trace a frontend.
# nginx-light: the HTTP server bench/dataplane_bench.sh runs in a VM (python's http.server is too slow to measure azlb).
# dnsmasq-base, bind9-dnsutils: the DNS server and dig of samples/labs/dns-round-robin; nginx-light is also
# the proxy of samples/labs/l7-vs-l4.
test_pkgs=(azure-cli python3-azure python3-requests iperf3 wrk tcpdump nginx-light clang-format prometheus chromium
  dnsmasq-base bind9-dnsutils)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root: sudo $0 $*" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Packages install without starting services (nginx would take port 80 of this machine): azlb
# runs its servers inside VM namespaces itself.
policy=/usr/sbin/policy-rc.d
if [ ! -e $policy ]; then
  printf '#!/bin/sh\nexit 101\n' >$policy && chmod +x $policy
  trap 'rm -f $policy' EXIT
fi
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-deps: done"
