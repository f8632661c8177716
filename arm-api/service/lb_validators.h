// Internal: validation of a load balancer PUT body as Azure does it (SPEC.md §3), one validator
// per child collection (lb_validators.cpp) plus the checks that span collections
// (lb_cross_checks.cpp). normalizeLoadBalancer (load_balancer.cpp) runs them in a fixed order:
// the first error found is the one returned, so the order is part of the behaviour.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "arm-api/service/network_util.h"

namespace azlb::armservice::network {

/// A frontend port range claimed by a load-balancing rule, NAT rule or NAT pool, per protocol
/// (protocol All claims Tcp and Udp).
struct PortUse {
  std::string frontendKey;  // lower-case frontend id
  std::string protocol;     // Tcp or Udp
  int64_t first, last;
  std::string owner;  // id of the rule, NAT rule or NAT pool
};

/// A frontend used by an outbound rule, with that rule's protocol (Tcp, Udp or All).
struct OutboundUse {
  std::string frontendKey;
  std::string protocol;
  std::string rule;
};

/// The load balancer being PUT. prepareLoadBalancer fills it; each validator then checks one
/// collection and rewrites its items in place (canonical enums, defaults, canonical references).
struct LbDraft {
  Ctx* ctx = nullptr;
  const Resource* existing = nullptr;  // the stored version, when this PUT updates one
  std::string lbId, sku, tier;
  bool standard = false;  // sku Standard or Gateway
  json props;             // the request's properties (collections are replaced on output)
  json fes, pools, rules, probes, nats, natPools, outbound;
  /// Lower-case id -> id of the frontends, pools and probes of this body.
  std::map<std::string, std::string> feKeys, poolKeys, probeKeys;
  std::vector<PortUse> ports;  // filled by the rule, NAT rule and NAT pool validators
};

/// One item of a child collection as a validator sees it.
struct LbItem {
  json& item;
  json& p;           // item["properties"]
  std::string path;  // "properties.<collection>[i].properties"
  std::string id;    // the item's full id
};

// --- shared by the validators ----------------------------------------------------------------

/// Lower-case id -> id of each item of a collection.
std::map<std::string, std::string> keysOf(const json& items);
/// Runs check on each item of coll in order and stops at the first error.
ArmResult<bool> forEachItem(json& coll, const char* collection,
                            const std::function<ArmResult<bool>(LbItem&)>& check);
/// MissingJsonProperty for the first of keys that is absent or null.
ArmResult<bool> requireFields(const LbItem& it, std::initializer_list<const char*> keys);
/// Canonical spelling of p.protocol among allowed, written back into p.
ArmResult<std::string> canonicalProtocol(LbItem& it, std::initializer_list<const char*> allowed);
/// A reference that must point at a child (of collection coll) of this load balancer; returns
/// the child's own id (canonical casing), or nullopt when p[key] is absent.
ArmResult<std::optional<std::string>> localRef(const json& p, const char* key, const char* coll,
                                               const std::map<std::string, std::string>& known,
                                               const std::string& owner, const std::string& path);
/// The frontendIPConfiguration a rule, NAT rule or NAT pool must reference ("<kind> <id> must
/// reference a frontend IP configuration." otherwise), written back canonical.
ArmResult<std::string> requiredFrontend(const LbDraft& lb, LbItem& it, const char* kind);

// --- one validator per child collection, in the order normalizeLoadBalancer runs them ----------

/// Request shape, sku and the generic checks of every collection (names present and unique,
/// ids, read-only fields removed); refuses child collections without a frontend.
ArmResult<LbDraft> prepareLoadBalancer(Ctx& ctx, const ResourceId& id, const json& request,
                                       const Resource* existing);
/// Public IP (sku, in use, Dynamic address) or subnet (Static/Dynamic private address).
ArmResult<bool> validateFrontends(LbDraft& lb);
/// IP-based backend addresses (Standard only; names, IPs, virtual network, subnet, adminState).
ArmResult<bool> validateBackendPools(LbDraft& lb);
ArmResult<bool> validateProbes(LbDraft& lb);
/// Ports, defaults and references of each rule; records its frontend port in lb.ports.
ArmResult<bool> validateRules(LbDraft& lb);
/// Single-port NAT rules and port-range NAT rules over a pool; records their frontend ports.
ArmResult<bool> validateInboundNatRules(LbDraft& lb);
ArmResult<bool> validateInboundNatPools(LbDraft& lb);
/// Standard only; each (frontend, protocol) used by one outbound rule.
ArmResult<bool> validateOutboundRules(LbDraft& lb);

// --- checks across collections (lb_cross_checks.cpp) ---------------------------------------------

/// The frontend's public IP has the load balancer's sku (PublicIPAndLBSkuDoNotMatch).
ArmResult<bool> checkPublicIpSku(const LbDraft& lb, const Resource& pip);
/// Port 0 only as HA ports (protocol All, both ports 0), and HA ports only on an internal
/// frontend of a Standard load balancer.
ArmResult<bool> checkHaPorts(const LbDraft& lb, const LbItem& rule, const std::string& frontendId,
                             const std::string& protocol, int64_t frontendPort,
                             int64_t backendPort);
/// Records a frontend port range; protocol All is recorded as Tcp and Udp.
void addPortUse(std::vector<PortUse>& uses, const std::string& frontendKey,
                const std::string& protocol, int64_t first, int64_t last, const std::string& owner);
/// V5/V6 (after validateRules): two rules with the same backend port and overlapping protocols on a
/// shared pool need floating IP on both, and then different frontends.
ArmResult<bool> checkRulesSharingBackendPort(LbDraft& lb);
/// V21: a frontend port of a protocol is used by one rule, NAT rule or NAT pool (HA ports apart).
ArmResult<bool> checkFrontendPortsUnique(LbDraft& lb);
/// One outbound rule per (frontend, protocol): checks the rule's frontends against `uses` and
/// records them.
ArmResult<bool> checkOutboundFrontends(std::vector<OutboundUse>& uses, const json& frontendRefs,
                                       const std::string& protocol, const std::string& ruleId);
/// Pools and NAT rules that NIC ipConfigurations still reference cannot disappear in an update.
ArmResult<bool> checkRemovedChildrenNotInUse(LbDraft& lb);

}  // namespace azlb::armservice::network
