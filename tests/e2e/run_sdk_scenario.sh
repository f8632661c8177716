#!/usr/bin/env bash
# e2e: drives a real `azlb serve` with the Python Azure SDK (Debian's python3-azure) through
# sdk_scenario.py (load balancers) and sdk_cloud_services.py (Microsoft.Compute/cloudServices and
# vip_swap). Usage: run_sdk_scenario.sh <path to azlb>. Exit 77 (skip) without the SDK.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

bin=${1:?usage: run_sdk_scenario.sh <path to azlb>}
python=/usr/bin/python3

[[ -x $python ]] || { echo "SKIP: $python not found (apt install python3)" >&2; exit "$AZLB_SKIP_CODE"; }
if ! "$python" -c 'import azure.mgmt.network, azure.mgmt.resource, azure.core' 2>/dev/null; then
  echo "SKIP: $python cannot import azure.mgmt.network/azure.mgmt.resource (apt install python3-azure)" >&2
  exit "$AZLB_SKIP_CODE"
fi

azlb_start "$bin" || exit 1

# The SDK trusts only the emulator's CA (all traffic is to 127.0.0.1).
REQUESTS_CA_BUNDLE=$AZLB_CA timeout --kill-after=10 600 \
  "$python" "$here/sdk_scenario.py" "https://127.0.0.1:$AZLB_PORT" "$AZLB_CA"
status=$?
((status == 124)) && azlb_log "sdk_scenario.py timed out after 600 s"

# Cloud services (extended support) through the same SDK: create, role instances, vip_swap.
REQUESTS_CA_BUNDLE=$AZLB_CA timeout --kill-after=10 300 \
  "$python" "$here/sdk_cloud_services.py" "https://127.0.0.1:$AZLB_PORT" "$AZLB_CA" \
  "$(cd "$here/../../samples/cloud-services/ProbeTenant" && pwd)"
cs_status=$?
((cs_status == 124)) && azlb_log "sdk_cloud_services.py timed out after 300 s"
((status == 0)) && status=$cs_status

# The EXIT trap from lib.sh stops azlb (and prints the tail of its log on failure).
exit "$status"
