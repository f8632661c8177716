#include "emulator/runtime/snapshot.h"

#include <cstddef>
#include <limits>
#include <optional>
#include <utility>

namespace azlb::runtime {

using dataplane::Ipv4Address;
using nlohmann::json;

namespace {

std::string ip(Ipv4Address a) { return a.toString(); }

const char* protocolName(dataplane::RuleProtocol p) {
  switch (p) {
    case dataplane::RuleProtocol::Tcp: return "Tcp";
    case dataplane::RuleProtocol::Udp: return "Udp";
    case dataplane::RuleProtocol::All: return "All";
  }
  return "Tcp";
}

const char* distributionName(dataplane::LoadDistribution d) {
  switch (d) {
    case dataplane::LoadDistribution::Default: return "Default";
    case dataplane::LoadDistribution::SourceIP: return "SourceIP";
    case dataplane::LoadDistribution::SourceIPProtocol: return "SourceIPProtocol";
  }
  return "Default";
}

// Unsigned integer field in [0, max]: nlohmann's get<> would silently wrap -1 or truncate 70000.
template <typename T>
Result<T> uintField(const json& obj, const char* key, const std::string& where,
                    std::optional<T> def = std::nullopt) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (def) return *def;
    return fail("snapshot: " + where + key + " is missing");
  }
  // Parsed text stores non-negative integers as unsigned; values built in memory from signed
  // types (e.g. minutes::rep) are signed.
  const bool nonNegative = it->is_number_unsigned() ||
                           (it->is_number_integer() && it->get<std::int64_t>() >= 0);
  if (!nonNegative || it->get<std::uint64_t>() > std::numeric_limits<T>::max()) {
    return fail("snapshot: " + where + key + " must be an integer 0.." +
                std::to_string(std::numeric_limits<T>::max()));
  }
  return static_cast<T>(it->get<std::uint64_t>());
}

// One of a fixed set of names; anything else is an error (no silent default).
template <typename E, std::size_t N>
Result<E> enumField(const json& obj, const char* key, const std::string& where,
                    const std::pair<const char*, E> (&names)[N], std::optional<E> def) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (def) return *def;
    return fail("snapshot: " + where + key + " is missing");
  }
  if (it->is_string()) {
    for (const auto& [name, value] : names) {
      if (it->get<std::string>() == name) return value;
    }
  }
  std::string allowed;
  for (const auto& entry : names) allowed += std::string(allowed.empty() ? "" : ", ") + entry.first;
  return fail("snapshot: " + where + key + " must be one of " + allowed);
}

constexpr std::pair<const char*, dataplane::RuleKind> kKinds[] = {
    {"LoadBalancingRule", dataplane::RuleKind::LoadBalancingRule},
    {"InboundNatRule", dataplane::RuleKind::InboundNatRule}};
constexpr std::pair<const char*, dataplane::RuleProtocol> kProtocols[] = {
    {"Tcp", dataplane::RuleProtocol::Tcp},
    {"Udp", dataplane::RuleProtocol::Udp},
    {"All", dataplane::RuleProtocol::All}};
constexpr std::pair<const char*, dataplane::LoadDistribution> kDistributions[] = {
    {"Default", dataplane::LoadDistribution::Default},
    {"SourceIP", dataplane::LoadDistribution::SourceIP},
    {"SourceIPProtocol", dataplane::LoadDistribution::SourceIPProtocol}};

json filtersToJson(const std::vector<TrafficFilter>& filters) {
  json out = json::array();
  for (const auto& f : filters) {
    json sources = json::array();
    for (auto a : f.allowedSources) sources.push_back(ip(a));
    out.push_back({{"vnet", f.vnet},
                   {"ip", ip(f.ip)},
                   {"protocol", f.protocol},
                   {"portMin", f.portMin},
                   {"portMax", f.portMax},
                   {"allowedSources", sources}});
  }
  return out;
}

Result<std::vector<TrafficFilter>> filtersFromJson(const json& list) {
  std::vector<TrafficFilter> out;
  for (const auto& f : list) {
    TrafficFilter t;
    t.vnet = f.at("vnet").get<std::string>();
    const std::string where = "trafficFilter " + f.at("ip").get<std::string>() + " ";
    auto a = Ipv4Address::parse(f.at("ip").get<std::string>());
    auto proto = uintField<std::uint8_t>(f, "protocol", where, std::uint8_t{0});
    auto lo = uintField<std::uint16_t>(f, "portMin", where, std::uint16_t{1});
    auto hi = uintField<std::uint16_t>(f, "portMax", where, std::uint16_t{65535});
    if (!a) return fail("snapshot: " + where + "ip is not an IPv4 address");
    if (!proto) return unexpected(proto.error());
    if (!lo) return unexpected(lo.error());
    if (!hi) return unexpected(hi.error());
    if (*proto != 0 && *proto != 6 && *proto != 17) return fail("snapshot: " + where + "protocol must be 0, 6 or 17");
    t.ip = *a;
    t.protocol = *proto;
    t.portMin = *lo;
    t.portMax = *hi;
    for (const auto& src : f.at("allowedSources")) {
      auto s = src.is_string() ? Ipv4Address::parse(src.get<std::string>()) : std::nullopt;
      if (!s) return fail("snapshot: " + where + "allowedSources holds a non-address");
      t.allowedSources.push_back(*s);
    }
    out.push_back(std::move(t));
  }
  return out;
}

constexpr std::pair<const char*, dataplane::OutboundKind> kOutboundKinds[] = {
    {"InstancePublicIp", dataplane::OutboundKind::InstancePublicIp},
    {"OutboundRule", dataplane::OutboundKind::OutboundRule},
    {"LoadBalancingRule", dataplane::OutboundKind::LoadBalancingRule},
    {"DefaultOutboundAccess", dataplane::OutboundKind::DefaultAccess}};

json outboundToJson(const std::vector<dataplane::SnatSpec>& specs) {
  json out = json::array();
  for (const auto& o : specs) {
    json blocks = json::array();
    for (const auto& b : o.blocks) blocks.push_back({{"ip", ip(b.ip)}, {"first", b.first}, {"count", b.count}});
    out.push_back({{"vnet", o.vnet},
                   {"ip", ip(o.ip)},
                   {"underlay", ip(o.underlay)},
                   {"kind", std::string(dataplane::outboundKindName(o.kind))},
                   {"via", o.via},
                   {"protocol", o.protocol},
                   {"blocks", blocks},
                   {"idleTimeoutMs", o.idleTimeout.count()},
                   {"finLingerMs", o.finLinger.count()},
                   {"rstLingerMs", o.rstLinger.count()},
                   {"tcpReset", o.tcpReset},
                   {"standard", o.standard}});
  }
  return out;
}

Result<dataplane::PortBlock> blockFromJson(const json& b, const std::string& where) {
  auto a = b.at("ip").is_string() ? Ipv4Address::parse(b.at("ip").get<std::string>()) : std::nullopt;
  if (!a) return fail("snapshot: " + where + "block ip is not an IPv4 address");
  auto first = uintField<std::uint16_t>(b, "first", where + "block ");
  if (!first) return unexpected(first.error());
  auto count = uintField<std::uint16_t>(b, "count", where + "block ");
  if (!count) return unexpected(count.error());
  return dataplane::PortBlock{*a, *first, *count};
}

Result<std::vector<dataplane::SnatSpec>> outboundFromJson(const json& list) {
  std::vector<dataplane::SnatSpec> out;
  for (const auto& o : list) {
    dataplane::SnatSpec spec;
    const std::string where = "outbound " + o.at("ip").get<std::string>() + " ";
    auto a = Ipv4Address::parse(o.at("ip").get<std::string>());
    auto pa = Ipv4Address::parse(o.at("underlay").get<std::string>());
    if (!a || !pa) return fail("snapshot: " + where + "ip and underlay must be IPv4 addresses");
    auto kind = enumField(o, "kind", where, kOutboundKinds, std::optional<dataplane::OutboundKind>{});
    if (!kind) return unexpected(kind.error());
    auto proto = uintField<std::uint8_t>(o, "protocol", where, std::uint8_t{0});
    if (!proto) return unexpected(proto.error());
    auto idle = uintField<std::uint64_t>(o, "idleTimeoutMs", where, std::uint64_t{240000});
    if (!idle) return unexpected(idle.error());
    auto fin = uintField<std::uint64_t>(o, "finLingerMs", where, std::uint64_t{240000});
    if (!fin) return unexpected(fin.error());
    auto rst = uintField<std::uint64_t>(o, "rstLingerMs", where, std::uint64_t{15000});
    if (!rst) return unexpected(rst.error());
    for (const auto& b : o.at("blocks")) {
      auto block = blockFromJson(b, where);
      if (!block) return unexpected(block.error());
      spec.blocks.push_back(*block);
    }
    spec.vnet = o.value("vnet", "");
    spec.ip = *a;
    spec.underlay = *pa;
    spec.kind = *kind;
    spec.via = o.value("via", "");
    spec.protocol = *proto;
    spec.idleTimeout = std::chrono::milliseconds(*idle);
    spec.finLinger = std::chrono::milliseconds(*fin);
    spec.rstLinger = std::chrono::milliseconds(*rst);
    spec.tcpReset = o.value("tcpReset", false);
    spec.standard = o.value("standard", true);
    out.push_back(std::move(spec));
  }
  return out;
}

constexpr std::pair<const char*, NsgMode> kNsgModes[] = {
    {"off", NsgMode::Off}, {"warn", NsgMode::Warn}, {"enforce", NsgMode::Enforce}};

template <typename Range>
json rangesToJson(const std::vector<Range>& ranges) {
  json out = json::array();
  for (const auto& r : ranges) out.push_back(json::array({r.first, r.last}));
  return out;
}

template <typename Range, typename Bound>
Result<std::vector<Range>> rangesFromJson(const json& rule, const char* key, const std::string& where) {
  std::vector<Range> out;
  for (const auto& r : rule.value(key, json::array())) {
    const bool ok = r.is_array() && r.size() == 2 && r[0].is_number_unsigned() && r[1].is_number_unsigned() &&
                    r[0].get<std::uint64_t>() <= r[1].get<std::uint64_t>() &&
                    r[1].get<std::uint64_t>() <= std::numeric_limits<Bound>::max();
    if (!ok) return fail("snapshot: " + where + key + " must hold [first, last] pairs");
    out.push_back({static_cast<Bound>(r[0].get<std::uint64_t>()), static_cast<Bound>(r[1].get<std::uint64_t>())});
  }
  return out;
}

json nsgRulesToJson(const dataplane::NsgRules& group) {
  json rules = json::array();
  for (const auto& r : group.rules)
    rules.push_back({{"name", r.name}, {"priority", r.priority},
                     {"access", r.access == dataplane::NsgAccess::Allow ? "Allow" : "Deny"},
                     {"protocol", r.protocol}, {"sources", rangesToJson(r.sources)},
                     {"destinations", rangesToJson(r.destinations)},
                     {"sourcePorts", rangesToJson(r.sourcePorts)},
                     {"destinationPorts", rangesToJson(r.destinationPorts)}});
  return rules;
}

Result<dataplane::NsgRules> nsgRulesFromJson(const std::string& group, const json& list) {
  constexpr std::pair<const char*, dataplane::NsgAccess> kAccess[] = {
      {"Allow", dataplane::NsgAccess::Allow}, {"Deny", dataplane::NsgAccess::Deny}};
  dataplane::NsgRules out{group, {}};
  for (const auto& r : list) {
    dataplane::NsgRule rule;
    rule.name = r.at("name").get<std::string>();
    const std::string where = "security group " + group + " rule " + rule.name + " ";
    auto priority = uintField<std::uint32_t>(r, "priority", where);
    auto access = enumField(r, "access", where, kAccess, std::optional<dataplane::NsgAccess>{});
    auto protocol = uintField<std::uint8_t>(r, "protocol", where, std::uint8_t{0});
    if (!priority) return unexpected(priority.error());
    if (!access) return unexpected(access.error());
    if (!protocol) return unexpected(protocol.error());
    auto sources = rangesFromJson<dataplane::AddressRange, std::uint32_t>(r, "sources", where);
    auto destinations = rangesFromJson<dataplane::AddressRange, std::uint32_t>(r, "destinations", where);
    auto sourcePorts = rangesFromJson<dataplane::PortRange, std::uint16_t>(r, "sourcePorts", where);
    auto destinationPorts = rangesFromJson<dataplane::PortRange, std::uint16_t>(r, "destinationPorts", where);
    if (!sources) return unexpected(sources.error());
    if (!destinations) return unexpected(destinations.error());
    if (!sourcePorts) return unexpected(sourcePorts.error());
    if (!destinationPorts) return unexpected(destinationPorts.error());
    rule.priority = *priority;
    rule.access = *access;
    rule.protocol = *protocol;
    rule.sources = std::move(*sources);
    rule.destinations = std::move(*destinations);
    rule.sourcePorts = std::move(*sourcePorts);
    rule.destinationPorts = std::move(*destinationPorts);
    out.rules.push_back(std::move(rule));
  }
  dataplane::sortByPriority(out);
  return out;
}

json securityToJson(const HostSecurity& s) {
  json groups = json::array();
  for (std::size_t i = 0; i < s.inbound.size() && i < s.outbound.size(); ++i)
    groups.push_back({{"id", s.inbound[i].group}, {"inbound", nsgRulesToJson(s.inbound[i])},
                      {"outbound", nsgRulesToJson(s.outbound[i])}});
  json vms = json::array();
  for (const auto& v : s.vms) vms.push_back({{"vm", v.vm}, {"subnet", v.subnet}, {"nic", v.nic}});
  return {{"mode", nsgModeName(s.mode)}, {"groups", groups}, {"vms", vms}};
}

Result<HostSecurity> securityFromJson(const json& j) {
  HostSecurity out;
  auto mode = enumField(j, "mode", "security ", kNsgModes, std::optional{NsgMode::Warn});
  if (!mode) return unexpected(mode.error());
  out.mode = *mode;
  for (const auto& g : j.value("groups", json::array())) {
    const std::string id = g.at("id").get<std::string>();
    auto in = nsgRulesFromJson(id, g.value("inbound", json::array()));
    if (!in) return unexpected(in.error());
    auto outRules = nsgRulesFromJson(id, g.value("outbound", json::array()));
    if (!outRules) return unexpected(outRules.error());
    out.inbound.push_back(std::move(*in));
    out.outbound.push_back(std::move(*outRules));
  }
  const auto groups = static_cast<std::int64_t>(out.inbound.size());
  for (const auto& v : j.value("vms", json::array())) {
    VmGroups e{v.at("vm").get<std::string>(), v.value("subnet", -1), v.value("nic", -1)};
    for (std::int32_t index : {e.subnet, e.nic})
      if (index < -1 || index >= groups)
        return fail("snapshot: security vm " + e.vm + ": group index " + std::to_string(index) + " out of range");
    out.vms.push_back(std::move(e));
  }
  return out;
}

}  // namespace

json toJson(const Snapshot& s) {
  json rules = json::array();
  for (const auto& r : s.forwarding.rules) {
    json backends = json::array();
    for (const auto& b : r.backends)
      backends.push_back({{"id", b.id}, {"ip", ip(b.ip)}, {"underlay", ip(b.hostIp)}, {"healthy", b.healthy}});
    rules.push_back({{"name", r.name},
                     {"kind", r.kind == dataplane::RuleKind::InboundNatRule ? "InboundNatRule" : "LoadBalancingRule"},
                     {"frontendIp", ip(r.frontendIp)},
                     {"protocol", protocolName(r.protocol)},
                     {"frontendPort", r.frontendPort},
                     {"backendPort", r.backendPort},
                     {"loadDistribution", distributionName(r.loadDistribution)},
                     {"idleTimeoutMs", r.idleTimeout.count()},
                     {"tcpReset", r.tcpReset},
                     {"floatingIp", r.floatingIp},
                     {"keepTcpFlowsWhenAllDown", r.keepTcpFlowsWhenAllDown},
                     {"answersPing", r.answersPing},
                     {"standard", r.standard},
                     {"vnet", r.vnet},
                     {"backends", backends}});
  }
  json muxes = json::array();
  for (auto m : s.muxUnderlays) muxes.push_back(ip(m));
  json vms = json::array();
  for (const auto& v : s.vms)
    vms.push_back({{"id", v.id}, {"vnet", v.vnet}, {"ip", ip(v.ip)}, {"underlay", ip(v.underlay)},
                   {"host", v.host}, {"hostNamespace", v.hostNamespace},
                   {"link", v.link}, {"mac", v.mac}});
  json nss = json::array();
  for (const auto& n : s.host.vnetNamespaces) nss.push_back({{"name", n.name}, {"vnet", n.vnet}, {"tun", n.tun}});
  json probes = json::array();
  for (const auto& p : s.host.probes) probes.push_back({{"key", p.key}, {"ns", p.ns}, {"ip", ip(p.ip)}, {"probe", p.probe}});
  return {{"type", "snapshot"},
          {"version", s.version},
          {"rules", rules},
          {"muxUnderlays", muxes},
          {"vms", vms},
          {"outbound", outboundToJson(s.forwarding.outbound)},
          {"fastpath", s.forwarding.fastpath},
          {"fastpathIdleTimeoutMs", s.forwarding.fastpathIdleTimeout.count()},
          {"probeTimeScale", s.probeTimeScale},
          {"host", {{"index", s.host.index}, {"underlayRange", s.host.underlayRange}, {"vnetNamespaces", nss},
                    {"probes", probes}, {"trafficFilters", filtersToJson(s.host.trafficFilters)},
                    {"security", securityToJson(s.host.security)}}}};
}

Result<Snapshot> snapshotFromJson(const json& j) {
  try {
    if (!j.is_object()) return fail("snapshot: not a JSON object");
    Snapshot s;
    auto version = uintField<std::uint64_t>(j, "version", "");
    if (!version) return unexpected(version.error());
    s.version = *version;
    s.forwarding.version = s.version;
    auto addr = [](const json& v, const std::string& what) -> Result<Ipv4Address> {
      auto a = v.is_string() ? Ipv4Address::parse(v.get<std::string>()) : std::nullopt;
      if (!a) return fail("snapshot: " + what + " is not an IPv4 address");
      return *a;
    };
    for (const auto& r : j.at("rules")) {
      dataplane::RuleSpec spec;
      spec.name = r.at("name").get<std::string>();
      const std::string where = "rule " + spec.name + " ";
      auto kind = enumField(r, "kind", where, kKinds,
                          std::optional{dataplane::RuleKind::LoadBalancingRule});
      if (!kind) return unexpected(kind.error());
      spec.kind = *kind;
      auto fe = addr(r.at("frontendIp"), where + "frontendIp");
      if (!fe) return unexpected(fe.error());
      spec.frontendIp = *fe;
      auto proto = enumField(r, "protocol", where, kProtocols,
                           std::optional<dataplane::RuleProtocol>{});
      if (!proto) return unexpected(proto.error());
      spec.protocol = *proto;
      auto fport = uintField<std::uint16_t>(r, "frontendPort", where);
      if (!fport) return unexpected(fport.error());
      spec.frontendPort = *fport;
      auto bport = uintField<std::uint16_t>(r, "backendPort", where);
      if (!bport) return unexpected(bport.error());
      spec.backendPort = *bport;
      auto dist = enumField(r, "loadDistribution", where, kDistributions,
                            std::optional{dataplane::LoadDistribution::Default});
      if (!dist) return unexpected(dist.error());
      spec.loadDistribution = *dist;
      // Azure allows 4..30 minutes (scaled down for tests); ForwardingConfig::build rejects 0.
      auto idle = uintField<std::uint64_t>(r, "idleTimeoutMs", where, std::uint64_t{240000});
      if (!idle) return unexpected(idle.error());
      spec.idleTimeout = std::chrono::milliseconds(*idle);
      spec.tcpReset = r.value("tcpReset", false);
      spec.floatingIp = r.value("floatingIp", false);
      spec.keepTcpFlowsWhenAllDown = r.value("keepTcpFlowsWhenAllDown", true);
      spec.answersPing = r.value("answersPing", false);
      spec.standard = r.value("standard", true);
      spec.vnet = r.value("vnet", "");
      for (const auto& b : r.at("backends")) {
        dataplane::BackendSpec bs;
        bs.id = b.at("id").get<std::string>();
        auto bip = addr(b.at("ip"), "backend " + bs.id + " ip");
        auto bpa = addr(b.at("underlay"), "backend " + bs.id + " underlay");
        if (!bip) return unexpected(bip.error());
        if (!bpa) return unexpected(bpa.error());
        bs.ip = *bip;
        bs.hostIp = *bpa;
        bs.healthy = b.value("healthy", true);
        spec.backends.push_back(std::move(bs));
      }
      s.forwarding.rules.push_back(std::move(spec));
    }
    for (const auto& m : j.at("muxUnderlays")) {
      auto a = addr(m, "muxUnderlays entry");
      if (!a) return unexpected(a.error());
      s.muxUnderlays.push_back(*a);
    }
    for (const auto& v : j.at("vms")) {
      VmEntry e;
      e.id = v.at("id").get<std::string>();
      e.vnet = v.at("vnet").get<std::string>();
      auto vip = addr(v.at("ip"), "vm " + e.id + " ip");
      auto vpa = addr(v.at("underlay"), "vm " + e.id + " underlay");
      if (!vip) return unexpected(vip.error());
      if (!vpa) return unexpected(vpa.error());
      e.ip = *vip;
      e.underlay = *vpa;
      auto host = uintField<std::uint32_t>(v, "host", "vm " + e.id + " ");
      if (!host) return unexpected(host.error());
      e.host = *host;
      e.hostNamespace = v.value("hostNamespace", "");
      e.link = v.value("link", "");
      e.mac = v.value("mac", "");
      s.vms.push_back(std::move(e));
    }
    auto outbound = outboundFromJson(j.value("outbound", json::array()));
    if (!outbound) return unexpected(outbound.error());
    s.forwarding.outbound = std::move(*outbound);
    s.forwarding.fastpath = j.value("fastpath", true);
    auto fastIdle = uintField<std::uint64_t>(j, "fastpathIdleTimeoutMs", "", std::uint64_t{240000});
    if (!fastIdle) return unexpected(fastIdle.error());
    s.forwarding.fastpathIdleTimeout = std::chrono::milliseconds(*fastIdle);
    const json& h = j.at("host");
    auto index = uintField<std::uint32_t>(h, "index", "host ", std::uint32_t{0});
    if (!index) return unexpected(index.error());
    s.host.index = *index;
    s.host.underlayRange = h.value("underlayRange", "");
    for (const auto& n : h.value("vnetNamespaces", json::array()))
      s.host.vnetNamespaces.push_back({n.at("name").get<std::string>(), n.at("vnet").get<std::string>(),
                                       n.at("tun").get<std::string>()});
    for (const auto& p : h.value("probes", json::array())) {
      ProbeEntry e;
      e.key = p.at("key").get<std::string>();
      e.ns = p.at("ns").get<std::string>();
      auto pip = addr(p.at("ip"), "probe " + e.key + " ip");
      if (!pip) return unexpected(pip.error());
      e.ip = *pip;
      e.probe = p.at("probe");
      if (!e.probe.is_object()) return fail("snapshot: probe " + e.key + ": probe must be an object");
      s.host.probes.push_back(std::move(e));
    }
    auto filters = filtersFromJson(h.value("trafficFilters", json::array()));
    if (!filters) return unexpected(filters.error());
    s.host.trafficFilters = std::move(*filters);
    auto security = securityFromJson(h.value("security", json::object()));
    if (!security) return unexpected(security.error());
    s.host.security = std::move(*security);
    s.probeTimeScale = j.value("probeTimeScale", 1.0);
    if (!(s.probeTimeScale > 0.0 && s.probeTimeScale <= 1.0)) {
      return fail("snapshot: probeTimeScale must be in (0, 1]");
    }
    return s;
  } catch (const std::exception& e) {
    return fail(std::string("snapshot: malformed JSON: ") + e.what());
  }
}

std::string_view nsgModeName(NsgMode mode) {
  for (const auto& [name, value] : kNsgModes)
    if (value == mode) return name;
  return "warn";
}

std::optional<NsgMode> parseNsgMode(std::string_view name) {
  for (const auto& [n, value] : kNsgModes)
    if (name == n) return value;
  return std::nullopt;
}

}  // namespace azlb::runtime
