#!/usr/bin/env bash
# STYLE.md §3 / ARCHITECTURE.md §6: pure logic includes no OS, network or database header and no
# header of a module that touches the system. Lists every offending include; exits 1 if any.
# usage: scripts/check-pure-includes.sh   (run by ctest as lint_pure_includes)
set -uo pipefail
cd "$(dirname "$0")/.."

# Folders (and single modules) that must stay pure. The snapshot contract lives in runtime/ (the
# processes' input) but is its own pure target, azlb::runtime_contract, which the controller uses.
pure=(emulator/dataplane emulator/controller emulator/model emulator/cloudservice emulator/probes/probe_policy.h
  emulator/probes/probe_policy.cpp netns/naming.h netns/naming.cpp netns/topology.h netns/topology.cpp
  netns/address.h netns/address.cpp
  emulator/runtime/snapshot.h emulator/runtime/snapshot.cpp
  arm-api/common arm-api/template common)

# OS, network, database and I/O-library headers, and the project's own system-touching modules.
forbidden='#include *<(sys|netinet|netpacket|arpa|linux|net|netlink|openssl|boost|httplib)[/.]'
forbidden+='|#include *<(unistd|fcntl|sched|poll|signal|pthread|ifaddrs|netdb|sqlite3|dlfcn|termios)\.h>'
forbidden+='|#include *"(emulator/runtime|emulator/manager|arm-api/store|arm-api/http|arm-api/tls)/'
forbidden+='|#include *"netns/(fd|namespace|netlink|tun|cleanup|sysctl|link_sender|realize|processes)[.]'

files=()
for p in "${pure[@]}"; do
  if [[ -d $p ]]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$p" -name '*.h' -o -name '*.cpp')
  elif [[ -f $p ]]; then
    files+=("$p")
  fi
done
[[ ${#files[@]} -gt 0 ]] || { echo "check-pure-includes: no pure files found (run from the repo)"; exit 1; }

hits=$(grep -nE "$forbidden" "${files[@]}" | grep -v '#include "emulator/runtime/snapshot.h"')
if [[ -n $hits ]]; then
  echo "check-pure-includes: pure modules include system-touching headers (move the code to an edge module):"
  echo "$hits"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "check-pure-includes: ${#files[@]} files in pure modules include no OS, network or database header"
echo "1 passed, 0 failed"
