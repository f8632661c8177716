#!/usr/bin/python3
"""e2e: the Python Azure SDK (Debian python3-azure: azure-mgmt-network 23.0.0b1 at api-version
2022-07-01, azure-mgmt-resource 22.0.0 at 2022-09-01) against a running `azlb serve`.

Usage: sdk_scenario.py <https://127.0.0.1:PORT> <ca.pem>

Creates a resource group, a Standard public IP, a VNet and one load balancer holding every child
type in a single PUT; reads each child back through the SDK's child operations and checks the
round trip and the read-only back-references; checks the Standard-LB/Basic-PIP SKU mismatch
error; deletes the LB and the group. Prints "ok  ..." / "FAIL ..." per check and ends with
"N passed, M failed"; exits 1 on any failure. AZLB_SDK_DEBUG=1 logs every HTTP exchange.
"""

import ipaddress
import logging
import os
import sys
import time
import traceback

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.v2022_07_01 import models as nm
from azure.mgmt.resource import ResourceManagementClient
from azure.mgmt.resource.resources.v2022_09_01 import models as rm

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
SCOPE = "https://management.core.windows.net/.default"
LOCATION = "westus"
RG = "rg-sdk"
PIP = "pip-sdk"
PIP_BASIC = "pip-basic"
VNET = "vnet-sdk"
SUBNET = "snet-sdk"
LB = "lb-sdk"
LB_BAD = "lb-sku-mismatch"
PUBLIC_POOL = ipaddress.ip_network("198.18.0.0/16")
LRO_TIMEOUT = 120  # seconds for any single long-running operation
LRO_FAST = 15  # an LRO slower than this means Retry-After is missing (azure-core then waits 30 s)


class StaticTokenCredential:
    """azure.core TokenCredential that hands out one fixed token (azlb accepts any bearer)."""

    def get_token(self, *scopes, **kwargs):  # pylint: disable=unused-argument
        return AccessToken("dummy", int(time.time()) + 365 * 24 * 3600)


class Checks:
    """Counts and prints checks; a failed check never stops the scenario by itself."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, what, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"ok  {what}", flush=True)
        else:
            self.failed += 1
            detail = " | ".join(line for line in str(detail).splitlines() if line.strip())
            print(f"FAIL {what}" + (f": {detail}" if detail else ""), flush=True)
        return bool(condition)

    def equal(self, what, actual, expected):
        return self.check(f"{what} == {expected!r}", actual == expected, f"got {actual!r}")

    def same_id(self, what, actual, expected):
        """References compare case-insensitively (ARM ids are case-insensitive)."""
        ok = actual is not None and actual.lower() == expected.lower()
        return self.check(f"{what} -> {short(expected)}", ok, f"got {actual!r}")

    def id_set(self, what, refs, expected_ids):
        """The SubResource list `refs` holds exactly the ids in `expected_ids`."""
        got = sorted((r.id or "").lower() for r in (refs or []))
        want = sorted(i.lower() for i in expected_ids)
        return self.check(
            f"{what} == [{', '.join(short(i) for i in expected_ids)}]",
            got == want,
            f"got {[short(i) for i in got]}",
        )

    def raises(self, what, fn, exc_type, code=None):
        """fn() raises exc_type (and, when given, an ARM error with that code)."""
        try:
            fn()
        except exc_type as e:
            actual = getattr(getattr(e, "error", None), "code", None)
            if code is None or actual == code:
                return self.check(what, True)
            return self.check(what, False, f"error code {actual!r}, message {e.message!r}")
        except Exception as e:  # pylint: disable=broad-except
            return self.check(what, False, f"raised {type(e).__name__}: {e}")
        return self.check(what, False, "no exception")


def short(resource_id):
    """The tail of an id after the LB (or provider) part, for readable check lines."""
    low = resource_id.lower()
    for marker in ("/loadbalancers/", "/providers/microsoft.network/"):
        at = low.find(marker)
        if at >= 0:
            return resource_id[at + len(marker):]
    return resource_id


class Ids:
    """Full ARM ids of everything the scenario creates (canonical casing)."""

    def __init__(self):
        self.rg = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RG}"
        net = f"{self.rg}/providers/Microsoft.Network"
        self.pip = f"{net}/publicIPAddresses/{PIP}"
        self.pip_basic = f"{net}/publicIPAddresses/{PIP_BASIC}"
        self.vnet = f"{net}/virtualNetworks/{VNET}"
        self.subnet = f"{self.vnet}/subnets/{SUBNET}"
        self.lb = f"{net}/loadBalancers/{LB}"

    def child(self, collection, name):
        return f"{self.lb}/{collection}/{name}"


def wait(checks, what, poller):
    """poller.result() with a deadline; checks the LRO finished and did so quickly."""
    start = time.monotonic()
    result = poller.result(timeout=LRO_TIMEOUT)
    took = time.monotonic() - start
    if not poller.done():
        raise RuntimeError(f"{what}: long-running operation not done after {LRO_TIMEOUT} s")
    checks.check(f"{what}: LRO finished in {took:.1f} s (< {LRO_FAST} s)", took < LRO_FAST,
                 "is Retry-After missing or 0?")
    return result


def setup(checks, net, res, ids):
    rg = res.resource_groups.create_or_update(RG, rm.ResourceGroup(location=LOCATION))
    checks.equal("resource group name", rg.name, RG)
    checks.equal("resource group location", rg.location, LOCATION)
    checks.same_id("resource group id", rg.id, ids.rg)
    checks.equal("resource group provisioningState", rg.properties.provisioning_state, "Succeeded")

    pip = wait(checks, "create Standard public IP", net.public_ip_addresses.begin_create_or_update(
        RG, PIP, nm.PublicIPAddress(
            location=LOCATION,
            sku=nm.PublicIPAddressSku(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            idle_timeout_in_minutes=4,
        )))
    checks.same_id("public IP id", pip.id, ids.pip)
    checks.equal("public IP sku", pip.sku.name if pip.sku else None, "Standard")
    checks.equal("public IP allocation", pip.public_ip_allocation_method, "Static")
    checks.equal("public IP provisioningState", pip.provisioning_state, "Succeeded")
    in_pool = False
    try:
        in_pool = ipaddress.ip_address(pip.ip_address) in PUBLIC_POOL
    except (TypeError, ValueError):
        pass
    checks.check(f"public IP address {pip.ip_address!r} is inside {PUBLIC_POOL}", in_pool)

    basic = wait(checks, "create Basic public IP", net.public_ip_addresses.begin_create_or_update(
        RG, PIP_BASIC, nm.PublicIPAddress(
            location=LOCATION,
            sku=nm.PublicIPAddressSku(name="Basic"),
            public_ip_allocation_method="Static",
        )))
    checks.equal("Basic public IP sku", basic.sku.name if basic.sku else None, "Basic")

    vnet = wait(checks, "create VNet", net.virtual_networks.begin_create_or_update(
        RG, VNET, nm.VirtualNetwork(
            location=LOCATION,
            address_space=nm.AddressSpace(address_prefixes=["10.1.0.0/16"]),
            subnets=[nm.Subnet(name=SUBNET, address_prefix="10.1.0.0/24")],
        )))
    checks.same_id("VNet id", vnet.id, ids.vnet)
    checks.equal("VNet address space", vnet.address_space.address_prefixes, ["10.1.0.0/16"])
    subnet = net.subnets.get(RG, VNET, SUBNET)
    checks.same_id("subnet id", subnet.id, ids.subnet)
    checks.equal("subnet prefix", subnet.address_prefix, "10.1.0.0/24")


def load_balancer_body(ids):
    """One Standard LB with every child type, cross-referenced by full ids."""
    ref = nm.SubResource
    fe_pub, fe_int = ids.child("frontendIPConfigurations", "fe-public"), ids.child(
        "frontendIPConfigurations", "fe-internal")
    pool_a, pool_b = ids.child("backendAddressPools", "pool-a"), ids.child(
        "backendAddressPools", "pool-ip")
    return nm.LoadBalancer(
        location=LOCATION,
        sku=nm.LoadBalancerSku(name="Standard", tier="Regional"),
        frontend_ip_configurations=[
            nm.FrontendIPConfiguration(
                name="fe-public", public_ip_address=nm.PublicIPAddress(id=ids.pip)),
            nm.FrontendIPConfiguration(
                name="fe-internal", subnet=nm.Subnet(id=ids.subnet),
                private_ip_allocation_method="Static", private_ip_address="10.1.0.10",
                private_ip_address_version="IPv4"),
        ],
        backend_address_pools=[
            nm.BackendAddressPool(name="pool-a"),
            nm.BackendAddressPool(name="pool-ip", load_balancer_backend_addresses=[
                nm.LoadBalancerBackendAddress(
                    name="addr-4", ip_address="10.1.0.4", virtual_network=ref(id=ids.vnet)),
                nm.LoadBalancerBackendAddress(
                    name="addr-5", ip_address="10.1.0.5", virtual_network=ref(id=ids.vnet)),
            ]),
        ],
        probes=[
            nm.Probe(name="probe-http", protocol="Http", port=8080, request_path="/healthz",
                     interval_in_seconds=5, number_of_probes=2, probe_threshold=1),
            nm.Probe(name="probe-tcp", protocol="Tcp", port=443, interval_in_seconds=15,
                     number_of_probes=2),
        ],
        load_balancing_rules=[
            # Same frontend as the outbound rule, so Azure requires disableOutboundSnat.
            nm.LoadBalancingRule(
                name="rule-web", frontend_ip_configuration=ref(id=fe_pub),
                backend_address_pool=ref(id=pool_a), probe=ref(id=ids.child("probes", "probe-http")),
                protocol="Tcp", frontend_port=80, backend_port=8080, load_distribution="Default",
                idle_timeout_in_minutes=4, enable_floating_ip=False, enable_tcp_reset=False,
                disable_outbound_snat=True),
            nm.LoadBalancingRule(
                name="rule-int", frontend_ip_configuration=ref(id=fe_int),
                backend_address_pool=ref(id=pool_b), probe=ref(id=ids.child("probes", "probe-tcp")),
                protocol="Tcp", frontend_port=443, backend_port=443, load_distribution="SourceIP",
                idle_timeout_in_minutes=10, enable_floating_ip=True, enable_tcp_reset=True),
        ],
        inbound_nat_rules=[
            nm.InboundNatRule(
                name="nat-rdp", frontend_ip_configuration=ref(id=fe_pub), protocol="Tcp",
                frontend_port=60001, backend_port=3389, idle_timeout_in_minutes=4,
                enable_floating_ip=False, enable_tcp_reset=False),
            nm.InboundNatRule(
                name="nat-ssh-pool", frontend_ip_configuration=ref(id=fe_pub), protocol="Tcp",
                frontend_port_range_start=50000, frontend_port_range_end=50099, backend_port=22,
                backend_address_pool=ref(id=pool_b), idle_timeout_in_minutes=4),
        ],
        outbound_rules=[
            nm.OutboundRule(
                name="out-1", frontend_ip_configurations=[ref(id=fe_pub)],
                backend_address_pool=ref(id=pool_a), protocol="All",
                allocated_outbound_ports=1024, idle_timeout_in_minutes=4, enable_tcp_reset=True),
        ],
    )


def check_child_common(checks, ids, what, child, collection, name, lb):
    checks.same_id(f"{what} id", child.id, ids.child(collection, name))
    checks.equal(f"{what} name", child.name, name)
    checks.equal(f"{what} type", child.type, f"Microsoft.Network/loadBalancers/{collection}")
    checks.check(f"{what} etag is the LB's etag", child.etag and child.etag == lb.etag,
                 f"child {child.etag!r}, LB {lb.etag!r}")
    checks.equal(f"{what} provisioningState", child.provisioning_state, "Succeeded")


def check_lb(checks, net, ids):
    lb = wait(checks, "create load balancer with every child type",
              net.load_balancers.begin_create_or_update(RG, LB, load_balancer_body(ids)))
    checks.same_id("LB id", lb.id, ids.lb)
    checks.equal("LB type", lb.type, "Microsoft.Network/loadBalancers")
    checks.equal("LB sku", lb.sku.name if lb.sku else None, "Standard")
    checks.equal("LB provisioningState", lb.provisioning_state, "Succeeded")
    checks.check("LB etag is W/\"...\"", (lb.etag or "").startswith('W/"'), f"got {lb.etag!r}")
    checks.check("LB resourceGuid set", bool(lb.resource_guid))
    got = net.load_balancers.get(RG, LB)
    checks.check("LB GET etag equals the LRO result's etag", got.etag == lb.etag,
                 f"GET {got.etag!r}, LRO {lb.etag!r}")
    lb = got

    fe_pub = ids.child("frontendIPConfigurations", "fe-public")
    fe_int = ids.child("frontendIPConfigurations", "fe-internal")
    pool_a = ids.child("backendAddressPools", "pool-a")
    pool_b = ids.child("backendAddressPools", "pool-ip")
    rule_web = ids.child("loadBalancingRules", "rule-web")
    rule_int = ids.child("loadBalancingRules", "rule-int")
    probe_http = ids.child("probes", "probe-http")
    probe_tcp = ids.child("probes", "probe-tcp")
    nat_rdp = ids.child("inboundNatRules", "nat-rdp")
    nat_pool = ids.child("inboundNatRules", "nat-ssh-pool")
    out_1 = ids.child("outboundRules", "out-1")

    # Frontends.
    ops = net.load_balancer_frontend_ip_configurations
    fe = ops.get(RG, LB, "fe-public")
    check_child_common(checks, ids, "frontend fe-public", fe, "frontendIPConfigurations", "fe-public", lb)
    checks.same_id("fe-public publicIPAddress", fe.public_ip_address and fe.public_ip_address.id,
                   ids.pip)
    checks.check("fe-public has no subnet", fe.subnet is None, f"got {fe.subnet!r}")
    checks.id_set("fe-public loadBalancingRules", fe.load_balancing_rules, [rule_web])
    checks.id_set("fe-public inboundNatRules", fe.inbound_nat_rules, [nat_rdp, nat_pool])
    checks.id_set("fe-public outboundRules", fe.outbound_rules, [out_1])
    fe = ops.get(RG, LB, "fe-internal")
    check_child_common(checks, ids, "frontend fe-internal", fe, "frontendIPConfigurations",
                       "fe-internal", lb)
    checks.same_id("fe-internal subnet", fe.subnet and fe.subnet.id, ids.subnet)
    checks.equal("fe-internal privateIPAddress", fe.private_ip_address, "10.1.0.10")
    checks.equal("fe-internal privateIPAllocationMethod", fe.private_ip_allocation_method, "Static")
    checks.check("fe-internal has no publicIPAddress", fe.public_ip_address is None)
    checks.id_set("fe-internal loadBalancingRules", fe.load_balancing_rules, [rule_int])
    checks.id_set("frontends list", list(ops.list(RG, LB)), [fe_pub, fe_int])

    # Backend pools.
    ops = net.load_balancer_backend_address_pools
    pool = ops.get(RG, LB, "pool-a")
    check_child_common(checks, ids, "pool pool-a", pool, "backendAddressPools", "pool-a", lb)
    checks.id_set("pool-a loadBalancingRules", pool.load_balancing_rules, [rule_web])
    checks.id_set("pool-a outboundRules", pool.outbound_rules, [out_1])
    pool = ops.get(RG, LB, "pool-ip")
    check_child_common(checks, ids, "pool pool-ip", pool, "backendAddressPools", "pool-ip", lb)
    addrs = sorted(pool.load_balancer_backend_addresses or [], key=lambda a: a.name or "")
    checks.equal("pool-ip address names", [a.name for a in addrs], ["addr-4", "addr-5"])
    checks.equal("pool-ip address IPs", [a.ip_address for a in addrs], ["10.1.0.4", "10.1.0.5"])
    for a in addrs:
        checks.same_id(f"pool-ip {a.name} virtualNetwork",
                       a.virtual_network and a.virtual_network.id, ids.vnet)
    checks.id_set("pool-ip loadBalancingRules", pool.load_balancing_rules, [rule_int])
    checks.id_set("backend pools list", list(ops.list(RG, LB)), [pool_a, pool_b])

    # Probes.
    ops = net.load_balancer_probes
    probe = ops.get(RG, LB, "probe-http")
    check_child_common(checks, ids, "probe probe-http", probe, "probes", "probe-http", lb)
    checks.equal("probe-http protocol", probe.protocol, "Http")
    checks.equal("probe-http port", probe.port, 8080)
    checks.equal("probe-http requestPath", probe.request_path, "/healthz")
    checks.equal("probe-http intervalInSeconds", probe.interval_in_seconds, 5)
    checks.equal("probe-http numberOfProbes", probe.number_of_probes, 2)
    checks.equal("probe-http probeThreshold", probe.probe_threshold, 1)
    checks.id_set("probe-http loadBalancingRules", probe.load_balancing_rules, [rule_web])
    probe = ops.get(RG, LB, "probe-tcp")
    check_child_common(checks, ids, "probe probe-tcp", probe, "probes", "probe-tcp", lb)
    checks.equal("probe-tcp protocol", probe.protocol, "Tcp")
    checks.equal("probe-tcp port", probe.port, 443)
    checks.check("probe-tcp has no requestPath", not probe.request_path,
                 f"got {probe.request_path!r}")
    checks.id_set("probe-tcp loadBalancingRules", probe.load_balancing_rules, [rule_int])
    checks.id_set("probes list", list(ops.list(RG, LB)), [probe_http, probe_tcp])

    # Load-balancing rules.
    ops = net.load_balancer_load_balancing_rules
    rule = ops.get(RG, LB, "rule-web")
    check_child_common(checks, ids, "rule rule-web", rule, "loadBalancingRules", "rule-web", lb)
    checks.same_id("rule-web frontend", rule.frontend_ip_configuration and
                   rule.frontend_ip_configuration.id, fe_pub)
    checks.same_id("rule-web backendAddressPool", rule.backend_address_pool and
                   rule.backend_address_pool.id, pool_a)
    checks.same_id("rule-web probe", rule.probe and rule.probe.id, probe_http)
    checks.equal("rule-web protocol", rule.protocol, "Tcp")
    checks.equal("rule-web frontendPort", rule.frontend_port, 80)
    checks.equal("rule-web backendPort", rule.backend_port, 8080)
    checks.equal("rule-web loadDistribution", rule.load_distribution, "Default")
    checks.equal("rule-web idleTimeoutInMinutes", rule.idle_timeout_in_minutes, 4)
    checks.equal("rule-web enableFloatingIP", rule.enable_floating_ip, False)
    checks.equal("rule-web disableOutboundSnat", rule.disable_outbound_snat, True)
    rule = ops.get(RG, LB, "rule-int")
    check_child_common(checks, ids, "rule rule-int", rule, "loadBalancingRules", "rule-int", lb)
    checks.same_id("rule-int frontend", rule.frontend_ip_configuration and
                   rule.frontend_ip_configuration.id, fe_int)
    checks.same_id("rule-int backendAddressPool", rule.backend_address_pool and
                   rule.backend_address_pool.id, pool_b)
    checks.same_id("rule-int probe", rule.probe and rule.probe.id, probe_tcp)
    checks.equal("rule-int protocol", rule.protocol, "Tcp")
    checks.equal("rule-int frontendPort", rule.frontend_port, 443)
    checks.equal("rule-int backendPort", rule.backend_port, 443)
    checks.equal("rule-int loadDistribution", rule.load_distribution, "SourceIP")
    checks.equal("rule-int enableFloatingIP", rule.enable_floating_ip, True)
    checks.equal("rule-int idleTimeoutInMinutes", rule.idle_timeout_in_minutes, 10)
    checks.equal("rule-int enableTcpReset", rule.enable_tcp_reset, True)
    checks.id_set("rules list", list(ops.list(RG, LB)), [rule_web, rule_int])

    # Inbound NAT rules.
    ops = net.inbound_nat_rules
    nat = ops.get(RG, LB, "nat-rdp")
    check_child_common(checks, ids, "NAT rule nat-rdp", nat, "inboundNatRules", "nat-rdp", lb)
    checks.same_id("nat-rdp frontend", nat.frontend_ip_configuration and
                   nat.frontend_ip_configuration.id, fe_pub)
    checks.equal("nat-rdp protocol", nat.protocol, "Tcp")
    checks.equal("nat-rdp frontendPort", nat.frontend_port, 60001)
    checks.equal("nat-rdp backendPort", nat.backend_port, 3389)
    checks.check("nat-rdp has no backendAddressPool", nat.backend_address_pool is None)
    nat = ops.get(RG, LB, "nat-ssh-pool")
    check_child_common(checks, ids, "NAT rule nat-ssh-pool", nat, "inboundNatRules", "nat-ssh-pool", lb)
    checks.equal("nat-ssh-pool frontendPortRangeStart", nat.frontend_port_range_start, 50000)
    checks.equal("nat-ssh-pool frontendPortRangeEnd", nat.frontend_port_range_end, 50099)
    checks.equal("nat-ssh-pool backendPort", nat.backend_port, 22)
    checks.same_id("nat-ssh-pool backendAddressPool", nat.backend_address_pool and
                   nat.backend_address_pool.id, pool_b)
    checks.id_set("inbound NAT rules list", list(ops.list(RG, LB)), [nat_rdp, nat_pool])

    # Outbound rules.
    ops = net.load_balancer_outbound_rules
    out = ops.get(RG, LB, "out-1")
    check_child_common(checks, ids, "outbound rule out-1", out, "outboundRules", "out-1", lb)
    checks.id_set("out-1 frontendIPConfigurations", out.frontend_ip_configurations, [fe_pub])
    checks.same_id("out-1 backendAddressPool", out.backend_address_pool and
                   out.backend_address_pool.id, pool_a)
    checks.equal("out-1 protocol", out.protocol, "All")
    checks.equal("out-1 allocatedOutboundPorts", out.allocated_outbound_ports, 1024)
    checks.equal("out-1 enableTcpReset", out.enable_tcp_reset, True)
    checks.id_set("outbound rules list", list(ops.list(RG, LB)), [out_1])

    # Back-references on the referenced resources.
    pip = net.public_ip_addresses.get(RG, PIP)
    checks.same_id("public IP ipConfiguration (back-reference)",
                   pip.ip_configuration and pip.ip_configuration.id, fe_pub)
    subnet = net.subnets.get(RG, VNET, SUBNET)
    checks.check("subnet ipConfigurations lists fe-internal (back-reference)",
                 any((c.id or "").lower() == fe_int.lower()
                     for c in (subnet.ip_configurations or [])),
                 f"got {[c.id for c in (subnet.ip_configurations or [])]}")

    checks.raises("GET missing probe raises ResourceNotFoundError",
                  lambda: net.load_balancer_probes.get(RG, LB, "no-such-probe"),
                  ResourceNotFoundError)


def check_sku_mismatch(checks, net, ids):
    body = nm.LoadBalancer(
        location=LOCATION,
        sku=nm.LoadBalancerSku(name="Standard"),
        frontend_ip_configurations=[nm.FrontendIPConfiguration(
            name="fe", public_ip_address=nm.PublicIPAddress(id=ids.pip_basic))],
    )
    checks.raises("Standard LB with Basic public IP raises PublicIPAndLBSkuDoNotMatch",
                  lambda: net.load_balancers.begin_create_or_update(RG, LB_BAD, body)
                  .result(timeout=LRO_TIMEOUT),
                  HttpResponseError, "PublicIPAndLBSkuDoNotMatch")
    checks.raises("rejected LB was not created", lambda: net.load_balancers.get(RG, LB_BAD),
                  ResourceNotFoundError)


def check_delete(checks, net, res):
    wait(checks, "delete load balancer", net.load_balancers.begin_delete(RG, LB))
    checks.raises("GET deleted LB raises ResourceNotFoundError",
                  lambda: net.load_balancers.get(RG, LB), ResourceNotFoundError)
    checks.raises("GET child of deleted LB raises ResourceNotFoundError",
                  lambda: net.load_balancer_probes.get(RG, LB, "probe-http"),
                  ResourceNotFoundError)
    pip = net.public_ip_addresses.get(RG, PIP)
    checks.check("public IP ipConfiguration cleared after LB delete",
                 pip.ip_configuration is None, f"got {pip.ip_configuration!r}")
    wait(checks, "delete resource group", res.resource_groups.begin_delete(RG))
    checks.equal("resource group exists after delete", res.resource_groups.check_existence(RG),
                 False)
    checks.raises("GET public IP in deleted group raises ResourceNotFoundError",
                  lambda: net.public_ip_addresses.get(RG, PIP), ResourceNotFoundError)


def check_effective_nsg(checks, net):
    """A NIC's effective network security groups: the SDK's long-running POST, the rule as Azure names it."""
    nsg = wait(checks, "create NSG", net.network_security_groups.begin_create_or_update(
        RG, "sdk-nsg", nm.NetworkSecurityGroup(location=LOCATION, security_rules=[nm.SecurityRule(
            name="web", priority=200, direction="Inbound", access="Allow", protocol="Tcp",
            source_address_prefix="Internet", source_port_range="*",
            destination_address_prefix="*", destination_port_range="8080")])))
    checks.equal("NSG default rules", len(nsg.default_security_rules or []), 6)
    subnet_id = net.subnets.get(RG, VNET, SUBNET).id
    wait(checks, "create NIC with the NSG", net.network_interfaces.begin_create_or_update(
        RG, "sdk-nsg-nic", nm.NetworkInterface(
            location=LOCATION, network_security_group=nm.NetworkSecurityGroup(id=nsg.id),
            ip_configurations=[nm.NetworkInterfaceIPConfiguration(
                name="ipconfig1", subnet=nm.Subnet(id=subnet_id))])))
    result = net.network_interfaces.begin_list_effective_network_security_groups(RG, "sdk-nsg-nic").result()
    groups = result.value or []
    checks.equal("effective groups", len(groups), 1)
    if groups:
        rules = {r.name: r for r in groups[0].effective_security_rules or []}
        web = rules.get("securityRules/web")
        checks.check("effective rule securityRules/web", web is not None, str(sorted(rules)))
        if web is not None:
            checks.equal("effective rule port range", web.destination_port_range, "8080-8080")
            checks.equal("effective rule protocol", web.protocol, "Tcp")
            checks.check("Internet expanded", "11.0.0.0/8" in (web.expanded_source_address_prefix or []))
        checks.check("default rules listed", "defaultSecurityRules/DenyAllInBound" in rules)
    wait(checks, "delete NIC", net.network_interfaces.begin_delete(RG, "sdk-nsg-nic"))


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, ca = argv[1].rstrip("/"), argv[2]
    debug = bool(os.environ.get("AZLB_SDK_DEBUG"))
    if debug:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    os.environ.setdefault("REQUESTS_CA_BUNDLE", ca)
    # Traffic stays on loopback even when the environment sets a proxy.
    extra = os.environ.get("NO_PROXY") or os.environ.get("no_proxy")
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost" + (
        "," + extra if extra else "")

    common = {
        "base_url": endpoint,
        "credential_scopes": [SCOPE],
        "connection_verify": ca,
        "connection_timeout": 10,
        "read_timeout": 60,
        "logging_enable": debug,
    }
    credential = StaticTokenCredential()
    net = NetworkManagementClient(credential, SUBSCRIPTION, **common)
    res = ResourceManagementClient(credential, SUBSCRIPTION, **common)
    # pylint: disable=protected-access
    print(f"info endpoint {endpoint}; network api-version "
          f"{net._get_api_version('load_balancers')}, resources api-version "
          f"{res._get_api_version('resource_groups')}", flush=True)

    checks = Checks()
    ids = Ids()
    steps = [
        ("setup", lambda: setup(checks, net, res, ids)),
        ("load balancer", lambda: check_lb(checks, net, ids)),
        ("sku mismatch", lambda: check_sku_mismatch(checks, net, ids)),
        ("effective security groups", lambda: check_effective_nsg(checks, net)),
        ("delete", lambda: check_delete(checks, net, res)),
    ]
    group_deleted = False
    try:
        for name, step in steps:
            try:
                step()
                group_deleted = name == "delete"
            except Exception as e:  # pylint: disable=broad-except
                checks.check(f"step '{name}' completes", False, f"{type(e).__name__}: {e}")
                if debug:
                    traceback.print_exc()
                if name == "setup":
                    break  # nothing later can work without the group, public IP and VNet
    finally:
        if not group_deleted:
            # Best effort, so that a rerun against the same server starts clean.
            try:
                res.resource_groups.begin_delete(RG).result(timeout=LRO_TIMEOUT)
            except Exception as e:  # pylint: disable=broad-except
                print(f"info cleanup: deleting {RG} failed: {type(e).__name__}: {e}", flush=True)

    print(f"{checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
