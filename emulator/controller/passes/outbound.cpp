#include "emulator/controller/passes/outbound.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <set>
#include <utility>

#include "emulator/controller/passes/util.h"

namespace azlb::controller::passes {

namespace {

using dataplane::Ipv4Address;
using dataplane::OutboundKind;
using dataplane::PortBlock;

constexpr std::uint32_t kBlocks = dataplane::kSnatPortsPerIp / dataplane::kSnatBlock;
constexpr int kDefaultIdleMinutes = 4;
/// Ports of azlb's default outbound access address per VM.
constexpr std::uint32_t kDefaultAccessPorts = 1024;

/// The 8-port blocks of each public address (64,000 ports from 1024 up) and which are taken.
class PortPools {
 public:
  /// Takes the block holding `port` (an inbound rule's frontend port) out of SNAT.
  void reserve(Ipv4Address ip, std::uint32_t port) {
    if (port < dataplane::kFirstSnatPort) return;
    const std::uint32_t block = (port - dataplane::kFirstSnatPort) / dataplane::kSnatBlock;
    if (block < kBlocks) pool(ip)[block] = true;
  }
  /// `ports` (a multiple of 8) from the addresses in order, each used up before the next, as
  /// merged blocks; empty (and nothing taken) when they cannot give that many.
  std::vector<PortBlock> take(const std::vector<Ipv4Address>& ips, std::uint32_t ports) {
    std::vector<std::pair<Ipv4Address, std::uint32_t>> chosen;
    std::uint32_t need = ports / dataplane::kSnatBlock;
    for (const auto ip : ips) {
      auto& used = pool(ip);
      for (std::uint32_t b = 0; b < kBlocks && need > 0; ++b)
        if (!used[b]) {
          chosen.emplace_back(ip, b);
          --need;
        }
    }
    if (need > 0 || ports == 0) return {};
    std::vector<PortBlock> out;
    for (const auto& [ip, b] : chosen) {
      pool(ip)[b] = true;
      const auto first =
          static_cast<std::uint16_t>(dataplane::kFirstSnatPort + b * dataplane::kSnatBlock);
      if (!out.empty() && out.back().ip == ip && out.back().first + out.back().count == first)
        out.back().count = static_cast<std::uint16_t>(out.back().count + dataplane::kSnatBlock);
      else
        out.push_back({ip, first, dataplane::kSnatBlock});
    }
    return out;
  }

 private:
  std::vector<bool>& pool(Ipv4Address ip) {
    auto& v = used_[ip.value];
    if (v.empty()) v.assign(kBlocks, false);
    return v;
  }
  std::map<std::uint32_t, std::vector<bool>> used_;
};

/// What a VM is given before ports are counted out.
struct Grant {
  OutboundKind kind = OutboundKind::OutboundRule;
  std::string via, reason;
  std::uint8_t protocol = 0;
  std::vector<Ipv4Address> frontends;
  std::uint32_t ports = 0;
  int idleMinutes = kDefaultIdleMinutes;
  bool tcpReset = false;
  bool standard = true;  // InstancePublicIp: the public IP's SKU
};

struct Context {
  const model::Resources& res;
  const Inventory& inv;
  const std::vector<VmPlan>& vms;
  const PlanOptions& o;
  std::map<std::string, std::string> pipAddress;         // lower public IP id -> address
  std::set<std::string> basicPips;                       // lower ids of Basic public IPs
  std::map<std::string, Ipv4Address> frontendIp;         // lower public frontend id -> address
  std::map<std::string, std::set<std::size_t>> members;  // lower pool id -> vms indexes
};

std::uint8_t protocolOf(model::TransportProtocol p) {
  return p == model::TransportProtocol::Tcp ? 6 : p == model::TransportProtocol::Udp ? 17 : 0;
}
const char* protocolName(std::uint8_t p) {
  return p == 6 ? "Tcp" : p == 17 ? "Udp" : "All";
}

Context lookups(const model::Resources& res, const Inventory& inv, const std::vector<VmPlan>& vms,
                const PlanOptions& o) {
  Context c{res, inv, vms, o, {}, {}, {}, {}};
  for (const auto& p : res.publicIpAddresses) {
    c.pipAddress[toLower(p.id)] = p.ipAddress;
    if (!p.standard) c.basicPips.insert(toLower(p.id));
  }
  for (const auto& lb : res.loadBalancers) {
    for (const auto& fe : lb.frontendIpConfigurations)
      if (fe.publicIpAddressId)
        if (auto a = Ipv4Address::parse(c.pipAddress[toLower(*fe.publicIpAddressId)]))
          c.frontendIp[toLower(fe.id)] = *a;
    for (const auto& pool : lb.backendAddressPools) {
      auto& set = c.members[toLower(pool.id)];
      for (const auto& cid : pool.backendIpConfigurationIds)
        if (auto v = inv.vmByConfig.find(toLower(cid)); v != inv.vmByConfig.end())
          set.insert(v->second);
      for (const auto& a : pool.loadBalancerBackendAddresses)
        if (auto v = inv.vmByAddress.find(toLower(a.id)); v != inv.vmByAddress.end())
          set.insert(v->second);
    }
  }
  return c;
}

/// Inbound rules' frontend ports are not SNAT ports.
void reserveInboundPorts(const Context& c, PortPools& pools) {
  for (const auto& lb : c.res.loadBalancers) {
    auto ipOf = [&](const std::string& fe) -> std::optional<Ipv4Address> {
      auto it = c.frontendIp.find(toLower(fe));
      return it == c.frontendIp.end() ? std::nullopt : std::optional(it->second);
    };
    for (const auto& r : lb.loadBalancingRules)
      if (auto ip = ipOf(r.frontendIpConfigurationId))
        pools.reserve(*ip, static_cast<std::uint32_t>(r.frontendPort));
    for (const auto& r : lb.inboundNatRules) {
      auto ip = ipOf(r.frontendIpConfigurationId);
      if (!ip) continue;
      const int lo = r.frontendPortRangeStart.value_or(r.frontendPort);
      const int hi = r.frontendPortRangeEnd.value_or(r.frontendPort);
      for (int p = lo; p <= hi; p += dataplane::kSnatBlock)
        pools.reserve(*ip, static_cast<std::uint32_t>(p));
      pools.reserve(*ip, static_cast<std::uint32_t>(hi));
    }
  }
}

std::optional<Grant> fromOutboundRule(const Context& c, std::size_t vm) {
  for (const auto& lb : c.res.loadBalancers) {
    if (lb.sku == model::Sku::Basic) continue;  // Basic has no outbound rules
    for (const auto& r : lb.outboundRules) {
      auto m = c.members.find(toLower(r.backendAddressPoolId));
      if (m == c.members.end() || !m->second.count(vm)) continue;
      Grant g{OutboundKind::OutboundRule,
              r.id,
              "outbound rule " + r.name + " of " + lb.name,
              protocolOf(r.protocol),
              {},
              0,
              r.idleTimeoutInMinutes,
              r.enableTcpReset,
              true};
      for (const auto& fe : r.frontendIpConfigurationIds)
        if (auto a = c.frontendIp.find(toLower(fe)); a != c.frontendIp.end())
          g.frontends.push_back(a->second);
      const auto perIp = defaultSnatPorts(m->second.size());
      g.ports = r.allocatedOutboundPorts > 0
                    ? static_cast<std::uint32_t>(r.allocatedOutboundPorts)
                    : std::min<std::uint32_t>(
                          perIp * static_cast<std::uint32_t>(g.frontends.size()), 1024);
      return g;
    }
  }
  return std::nullopt;
}

std::optional<Grant> fromLoadBalancingRule(const Context& c, std::size_t vm) {
  for (const auto& lb : c.res.loadBalancers)
    for (const auto& r : lb.loadBalancingRules) {
      auto fe = c.frontendIp.find(toLower(r.frontendIpConfigurationId));
      if (fe == c.frontendIp.end()) continue;  // internal frontends give no outbound
      if (lb.sku != model::Sku::Basic && r.disableOutboundSnat) continue;
      std::size_t poolSize = 0;
      bool in = false;
      for (const auto& p : r.backendAddressPoolIds)
        if (auto m = c.members.find(toLower(p)); m != c.members.end()) {
          poolSize += m->second.size();
          in = in || m->second.count(vm) != 0;
        }
      if (!in) continue;
      return Grant{OutboundKind::LoadBalancingRule,
                   r.id,
                   "load-balancing rule " + r.name + " of " + lb.name + " (default SNAT)",
                   protocolOf(r.protocol),
                   {fe->second},
                   defaultSnatPorts(poolSize),
                   kDefaultIdleMinutes,
                   false,
                   true};
    }
  return std::nullopt;
}

/// Azure's precedence for one VM; nullopt: no outbound (reason in `why`).
std::optional<Grant> choose(const Context& c, std::size_t vm, std::string& why) {
  const VmOrigin& origin = c.inv.origins[vm];
  if (!origin.publicIp.empty()) {
    auto a = Ipv4Address::parse(
        c.pipAddress.count(origin.publicIp) ? c.pipAddress.at(origin.publicIp) : "");
    if (a)
      return Grant{OutboundKind::InstancePublicIp,
                   origin.publicIp,
                   "instance public IP (1:1)",
                   0,
                   {*a},
                   0,
                   kDefaultIdleMinutes,
                   false,
                   c.basicPips.count(origin.publicIp) == 0};
  }
  if (auto g = fromOutboundRule(c, vm)) return g;
  if (auto g = fromLoadBalancingRule(c, vm)) return g;
  auto subnet = c.inv.subnets.find(origin.subnet);
  if (subnet != c.inv.subnets.end() && subnet->second.defaultOutboundAccess) {
    const netns_model::Ipv4Prefix range = prefix(c.o.publicPrefix);
    const std::uint32_t last =
        range.address.value | (range.length == 0 ? ~0U : ~(~0U << (32 - range.length)));
    return Grant{OutboundKind::DefaultAccess,
                 "",
                 "default outbound access (the subnet allows it)",
                 0,
                 {Ipv4Address{last - 1}},
                 kDefaultAccessPorts,
                 kDefaultIdleMinutes,
                 false,
                 true};
  }
  why =
      subnet == c.inv.subnets.end()
          ? "no outbound: no public IP, outbound rule or load-balancing rule gives it one"
          : "no outbound: private subnet (defaultOutboundAccess false) and no public IP, outbound "
            "rule or load-balancing rule";
  return std::nullopt;
}

dataplane::SnatSpec specOf(const Grant& g, const VmPlan& vm, const PlanOptions& o) {
  dataplane::SnatSpec s;
  s.vnet = vm.vnet;
  s.ip = *Ipv4Address::parse(vm.ips.front());
  s.underlay = *Ipv4Address::parse(vm.underlay);
  s.kind = g.kind;
  s.via = g.via;
  s.protocol = g.protocol;
  s.idleTimeout = scaledIdleTimeout(g.idleMinutes, o.idleTimeoutScale);
  auto scaled = [&](double seconds) {
    return std::chrono::milliseconds(std::max<std::int64_t>(
        1, static_cast<std::int64_t>(seconds * 1000.0 * o.idleTimeoutScale)));
  };
  s.finLinger = scaled(240);  // Azure: a port is released 240 s after a FIN, 15 s after an RST
  s.rstLinger = scaled(15);
  s.tcpReset = g.tcpReset;
  s.standard = g.standard;
  if (g.kind == OutboundKind::InstancePublicIp) s.blocks = {{g.frontends.front(), 0, 0}};
  return s;
}

}  // namespace

std::uint32_t defaultSnatPorts(std::size_t poolSize) {
  if (poolSize <= 50) return 1024;
  if (poolSize <= 100) return 512;
  if (poolSize <= 200) return 256;
  if (poolSize <= 400) return 128;
  if (poolSize <= 800) return 64;
  if (poolSize <= 1000) return 32;
  return 16;
}

// VMs are served in the order of their stable numbers, so adding a VM does not move the ports of
// the ones before it.
Outbound outbound(const model::Resources& resources, const Inventory& inventory,
                  const std::vector<VmPlan>& vms, const PlanOptions& options) {
  const Context c = lookups(resources, inventory, vms, options);
  PortPools pools;
  reserveInboundPorts(c, pools);
  std::vector<std::size_t> order(vms.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return vms[a].index < vms[b].index; });
  Outbound out;
  for (const std::size_t i : order) {
    const VmPlan& vm = vms[i];
    if (vm.ips.empty() || vm.underlay.empty() || i >= inventory.origins.size()) continue;
    OutboundPlan d{vm.id, vm.name, vm.ips.front(), "None", "", "", {}, "All", 0, {}};
    std::optional<Grant> g = choose(c, i, d.reason);
    if (g && g->kind != OutboundKind::InstancePublicIp) {
      dataplane::SnatSpec spec = specOf(*g, vm, options);
      spec.blocks = pools.take(g->frontends, g->ports);
      if (spec.blocks.empty()) {
        d.reason = "no outbound: " + g->reason + " has no " + std::to_string(g->ports) +
                   " free SNAT ports left on its frontends";
        g.reset();
      } else {
        for (const auto& b : spec.blocks)
          d.portRanges.push_back(b.ip.toString() + ":" + std::to_string(b.first) + "-" +
                                 std::to_string(b.first + b.count - 1));
        out.specs.push_back(std::move(spec));
      }
    } else if (g) {
      out.specs.push_back(specOf(*g, vm, options));
    }
    if (g) {
      d.kind = std::string(dataplane::outboundKindName(g->kind));
      d.via = g->via;
      d.reason = g->reason;
      d.protocol = protocolName(g->protocol);
      d.ports = g->kind == OutboundKind::InstancePublicIp ? 0 : g->ports;
      for (const auto a : g->frontends) d.publicIps.push_back(a.toString());
    }
    out.decisions.push_back(std::move(d));
  }
  return out;
}

}  // namespace azlb::controller::passes
