#!/usr/bin/env bash
# e2e: the real az CLI against a real `azlb serve`.
#  1. ../shared/az/scenario.sh (the team's fixed az scenario; 32 steps, each exit code checked).
#  2. azlb's own set-up path as the README gives it: `azlb env` + `azlb az-login`, then plain `az`.
# Usage: run_az_scenario.sh <path to azlb>. Exit 77 (skip) when az is not installed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

bin=$(cd "$(dirname "${1:?usage: run_az_scenario.sh <path to azlb>}")" && pwd)/$(basename "$1")
azlb_require_cmd az
scenario=$here/../../../shared/az/scenario.sh

azlb_start "$bin" || exit 1
failed=0

if [[ -f $scenario ]]; then
  azlb_log "running $scenario"
  timeout --kill-after=10 900 bash "$scenario" "https://localhost:$AZLB_PORT" "$AZLB_CA" "$AZLB_DATA/scenario" || failed=1
else
  azlb_log "shared/az/scenario.sh not found beside the repository; running only azlb's own az steps"
fi

# azlb's documented set-up: eval "$(azlb env)", azlb az-login, then plain az.
datadir=$AZLB_DATA/data
eval "$("$bin" env --port "$AZLB_PORT" --data-dir "$datadir")" || { echo "FAIL azlb env"; exit 1; }
if ! "$bin" az-login --port "$AZLB_PORT" --data-dir "$datadir"; then
  echo "FAIL azlb az-login"; cat "$datadir/az-login.log" 2>/dev/null | tail -20; exit 1
fi
eval "$("$bin" env --port "$AZLB_PORT" --data-dir "$datadir")"  # now with the launcher on PATH
pass=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then pass=$((pass + 1)); echo "ok   $1";
  else fail=$((fail + 1)); echo "FAIL $1: expected '$2', got '$3'"; fi
}
check "plain az sees azlb's subscription" "00000000-0000-0000-0000-000000000001" \
  "$(az account show --query id -o tsv 2>&1)"
az group create -n rg-login -l "West Europe" -o none 2>&1
check "resource group location is normalised" "westeurope" "$(az group show -n rg-login --query location -o tsv 2>&1)"
az network public-ip create -g rg-login -n pip-login --sku Standard -o none 2>&1
ip=$(az network public-ip show -g rg-login -n pip-login --query ipAddress -o tsv 2>&1)
check "public IP allocated from 198.18.0.0/16" "198.18." "${ip:0:7}"
az network lb create -g rg-login -n lb-login --sku Standard --public-ip-address pip-login -o none 2>&1
check "lb create (template deployment) made the load balancer" "Succeeded" \
  "$(az network lb show -g rg-login -n lb-login --query provisioningState -o tsv 2>&1)"
check "lb create's default frontend uses the public IP" "pip-login" \
  "$(az network lb show -g rg-login -n lb-login --query 'frontendIPConfigurations[0].publicIPAddress.id' -o tsv 2>&1 | sed 's#.*/##')"
out=$(az network lb rule create -g rg-login --lb-name lb-login -n r1 --protocol Tcp --frontend-port 80 --backend-port 80 \
  --frontend-ip-name LoadBalancerFrontEnd --backend-pool-name lb-loginbepool -o none 2>&1)
check "first rule on port 80 is accepted" "" "$out"
az network lb rule create -g rg-login --lb-name lb-login -n r2 --protocol Tcp --frontend-port 80 --backend-port 81 \
  --frontend-ip-name LoadBalancerFrontEnd --backend-pool-name lb-loginbepool -o none >"$AZLB_DATA/dup.err" 2>&1
check "a second rule on the same frontend port is refused with Azure's code" "yes" \
  "$(grep -q 'LoadBalancerRulesUseSameFrontendIPConfigurationAndPort' "$AZLB_DATA/dup.err" && echo yes || echo no)"
check "the refused rule left the load balancer unchanged" "r1" \
  "$(az network lb rule list -g rg-login --lb-name lb-login --query '[].name' -o tsv 2>&1)"
az network public-ip delete -g rg-login -n pip-login >"$AZLB_DATA/pipdel.err" 2>&1
check "deleting a public IP in use is refused" "yes" \
  "$(grep -q 'PublicIPAddressCannotBeDeleted' "$AZLB_DATA/pipdel.err" && echo yes || echo no)"
az group delete -n rg-login --yes 2>&1
check "group delete removed the group" "false" "$(az group exists -n rg-login 2>&1)"
# Network security groups the az way: create, a rule, a refused duplicate priority, associated
# with a subnet and a NIC, and protected from deletion while in use.
az group create -n rg-nsg -l westus -o none 2>&1
az network nsg create -g rg-nsg -n nsg1 -o none 2>&1
check "nsg create: Azure's six default rules" "6" \
  "$(az network nsg show -g rg-nsg -n nsg1 --query 'length(defaultSecurityRules)' -o tsv 2>&1)"
az network nsg rule create -g rg-nsg --nsg-name nsg1 -n web --priority 100 --protocol Tcp --access Allow \
  --direction Inbound --destination-port-ranges 8080 -o none 2>&1
check "nsg rule create stores the rule" "8080 Allow" \
  "$(az network nsg rule show -g rg-nsg --nsg-name nsg1 -n web --query '[destinationPortRange, access]' -o tsv 2>&1 | tr '\n' ' ' | sed 's/ $//')"
az network nsg rule create -g rg-nsg --nsg-name nsg1 -n clash --priority 100 --protocol Tcp --access Deny \
  --direction Inbound --destination-port-ranges 22 -o none >"$AZLB_DATA/nsgdup.err" 2>&1
check "a second inbound rule with the same priority is refused with Azure's code" "yes" \
  "$(grep -q 'SecurityRuleConflict' "$AZLB_DATA/nsgdup.err" && echo yes || echo no)"
az network vnet create -g rg-nsg -n vnet --address-prefixes 10.0.0.0/16 --subnet-name default \
  --subnet-prefixes 10.0.0.0/24 -o none 2>&1
az network vnet subnet update -g rg-nsg --vnet-name vnet -n default --nsg nsg1 -o none 2>&1
az network nic create -g rg-nsg -n nic1 --vnet-name vnet --subnet default -o none 2>&1
az network nic update -g rg-nsg -n nic1 --network-security-group nsg1 -o none 2>&1
check "the NSG lists the subnet and the NIC that use it" "default nic1" \
  "$(az network nsg show -g rg-nsg -n nsg1 --query '[subnets[0].id, networkInterfaces[0].id]' -o tsv 2>&1 | sed 's#.*/##' | tr '\n' ' ' | sed 's/ $//')"
# (az network nic list-effective-nsg is not checked here: Debian's azure-cli 2.45 cannot build its
# arguments from Debian's SDK and asks for "--args"; the SDK scenario calls the same POST.)
az network nsg delete -g rg-nsg -n nsg1 >"$AZLB_DATA/nsgdel.err" 2>&1
check "deleting an NSG in use is refused" "yes" \
  "$(grep -q 'InUseNetworkSecurityGroupCannotBeDeleted' "$AZLB_DATA/nsgdel.err" && echo yes || echo no)"
az group delete -n rg-nsg --yes 2>&1
# An ARM template file deployed the way az users do it (az sends the file's text spliced in as
# `template:{...}`, unquoted): samples/arm/web-tier.json with three backends.
az group create -n rg-template -l westus -o none 2>&1
out=$(az deployment group create -g rg-template -n web --template-file "$here/../../samples/arm/web-tier.json" \
  --parameters backendCount=3 --query 'properties.provisioningState' -o tsv 2>&1)
check "az deployment group create --template-file samples/arm/web-tier.json" "Succeeded" "$out"
check "the template's output names the frontend IP" "198.18." \
  "$(az deployment group show -g rg-template -n web --query 'properties.outputs.frontendIp.value' -o tsv 2>&1 | cut -c1-7)"
check "the property copy loop made three pool addresses" "10.0.0.4 10.0.0.5 10.0.0.6" \
  "$(az network lb show -g rg-template -n web-lb --query 'backendAddressPools[0].loadBalancerBackendAddresses[].ipAddress' -o tsv 2>&1 | tr '\n' ' ' | sed 's/ $//')"
az group delete -n rg-template --yes 2>&1
echo "$pass passed, $fail failed"
[[ $fail == 0 && $failed == 0 ]]
