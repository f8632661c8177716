#!/usr/bin/python3
"""e2e: Cloud Services (extended support) through Debian's Python SDK (azure-mgmt-compute at
api-version 2022-04-04, azure-mgmt-network 2022-07-01) against a running `azlb serve`.

Usage: sdk_cloud_services.py <https://127.0.0.1:PORT> <ca.pem> <package folder>

Creates a production cloud service from the package (roleProfile capacities override the cscfg)
and a staging one swappable with it, lists and reads role instances and an instance view, swaps
them with NetworkManagementClient.vip_swap and checks that their public IPs and slots were
exchanged; deletes everything. Output as sdk_scenario.py's.
"""

import os
import sys

from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.compute.v2022_04_04 import models as cm
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.v2022_07_01 import models as nm
from azure.mgmt.resource import ResourceManagementClient
from azure.mgmt.resource.resources.v2022_09_01 import models as rm

from sdk_scenario import LOCATION, LRO_TIMEOUT, SCOPE, SUBSCRIPTION, Checks, StaticTokenCredential, wait

RG = "rg-cs-sdk"
PROD, STAGING = "cs-sdk", "cs-sdk-staging"


def pip_id(name):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RG}/providers/Microsoft.Network/publicIPAddresses/{name}"


def cs_id(name):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RG}/providers/Microsoft.Compute/cloudServices/{name}"


def service(package, configuration, pip, swappable=None):
    frontend = cm.LoadBalancerFrontendIPConfiguration(
        name="fe", properties=cm.LoadBalancerFrontendIPConfigurationProperties(
            public_ip_address=cm.SubResource(id=pip_id(pip))))
    network = cm.CloudServiceNetworkProfile(
        load_balancer_configurations=[cm.LoadBalancerConfiguration(
            name="lb", properties=cm.LoadBalancerConfigurationProperties(frontend_ip_configurations=[frontend]))],
        swappable_cloud_service=cm.SubResource(id=cs_id(swappable)) if swappable else None)
    roles = cm.CloudServiceRoleProfile(roles=[
        cm.CloudServiceRoleProfileProperties(name="FERole", sku=cm.CloudServiceRoleSku(name="Small", capacity=2)),
        cm.CloudServiceRoleProfileProperties(name="BERole", sku=cm.CloudServiceRoleSku(name="Small", capacity=1))])
    return cm.CloudService(location=LOCATION, properties=cm.CloudServiceProperties(
        package_url=package, configuration=configuration, network_profile=network, role_profile=roles))


def frontend_pip(cs):
    return cs.properties.network_profile.load_balancer_configurations[0].properties \
        .frontend_ip_configurations[0].properties.public_ip_address.id


def create(checks, compute, net, res, package):
    res.resource_groups.create_or_update(RG, rm.ResourceGroup(location=LOCATION))
    for pip in ("cs-vip", "cs-staging-vip"):
        wait(checks, f"public IP {pip}", net.public_ip_addresses.begin_create_or_update(
            RG, pip, nm.PublicIPAddress(location=LOCATION, sku=nm.PublicIPAddressSku(name="Standard"))))
    with open(os.path.join(package, "ServiceConfiguration.cscfg")) as f:
        configuration = f.read()
    prod = wait(checks, "create production cloud service", compute.cloud_services.begin_create_or_update(
        RG, PROD, service(package, configuration, "cs-vip")))
    checks.equal("production provisioningState", prod.properties.provisioning_state, "Succeeded")
    capacities = {r.name: r.sku.capacity for r in prod.properties.role_profile.roles}
    checks.equal("roleProfile capacities", capacities, {"FERole": 2, "BERole": 1})
    checks.equal("production slotType", prod.properties.network_profile.slot_type, "Production")
    staging = wait(checks, "create staging cloud service", compute.cloud_services.begin_create_or_update(
        RG, STAGING, service(package, configuration, "cs-staging-vip", swappable=PROD)))
    checks.equal("staging slotType", staging.properties.network_profile.slot_type, "Staging")


def role_instances(checks, compute):
    names = sorted(i.name for i in compute.cloud_service_role_instances.list(RG, PROD))
    checks.equal("role instances", names, ["BERole_IN_0", "FERole_IN_0", "FERole_IN_1"])
    one = compute.cloud_service_role_instances.get("FERole_IN_1", RG, PROD)
    checks.equal("role instance id", one.id, cs_id(PROD) + "/roleInstances/FERole_IN_1")
    view = compute.cloud_service_role_instances.get_instance_view("FERole_IN_1", RG, PROD)
    codes = [s.code for s in view.statuses or []]
    checks.check("instance view has a RoleState status", any(c.startswith("RoleState/") for c in codes), str(codes))
    roles = sorted(r.name for r in compute.cloud_service_roles.list(RG, PROD))
    checks.equal("roles", roles, ["BERole", "FERole"])


def swap(checks, compute, net):
    wait(checks, "vip swap", net.vip_swap.begin_create(
        RG, STAGING, nm.SwapResource(properties=nm.SwapResourceProperties(slot_type="Production"))))
    checks.equal("staging is now Production", net.vip_swap.get(RG, STAGING).properties.slot_type, "Production")
    checks.equal("production's public IP went to the staging service",
                 frontend_pip(compute.cloud_services.get(RG, STAGING)), pip_id("cs-vip"))
    checks.equal("staging's public IP went to the production service",
                 frontend_pip(compute.cloud_services.get(RG, PROD)), pip_id("cs-staging-vip"))


def delete(checks, compute, res):
    for name in (STAGING, PROD):
        wait(checks, f"delete {name}", compute.cloud_services.begin_delete(RG, name))
    names = [c.name for c in compute.cloud_services.list(RG)]
    checks.equal("no cloud service left", names, [])
    res.resource_groups.begin_delete(RG).result(timeout=LRO_TIMEOUT)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, ca, package = argv[1].rstrip("/"), argv[2], argv[3]
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    common = {"base_url": endpoint, "credential_scopes": [SCOPE], "connection_verify": ca,
              "connection_timeout": 10, "read_timeout": 60}
    credential = StaticTokenCredential()
    compute = ComputeManagementClient(credential, SUBSCRIPTION, **common)
    net = NetworkManagementClient(credential, SUBSCRIPTION, **common)
    res = ResourceManagementClient(credential, SUBSCRIPTION, **common)
    # pylint: disable=protected-access
    print(f"info compute api-version {compute._get_api_version('cloud_services')}, "
          f"network {net._get_api_version('vip_swap')}", flush=True)
    checks = Checks()
    for name, step in [("create", lambda: create(checks, compute, net, res, package)),
                       ("role instances", lambda: role_instances(checks, compute)),
                       ("swap", lambda: swap(checks, compute, net)),
                       ("delete", lambda: delete(checks, compute, res))]:
        try:
            step()
        except Exception as e:  # pylint: disable=broad-except
            checks.check(f"step '{name}' completes", False, f"{type(e).__name__}: {e}")
            if name == "create":
                break
    print(f"{checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
