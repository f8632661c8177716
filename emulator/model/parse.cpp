#include "emulator/model/parse.h"

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <limits>
#include <utility>

#include "common/strings.h"
#include "emulator/cloudservice/parse.h"
#include "emulator/cloudservice/validate.h"

namespace azlb::model {

namespace {

using nlohmann::json;

/// Thrown inside this file only; every public function turns it into a Result.
struct Bad {
  std::string message;
};

/// One JSON object of a resource and its path from the resource's root, for error messages.
class Node {
 public:
  Node(const json& j, std::string path, const std::string& resourceId)
      : j_(&j), path_(std::move(path)), resourceId_(&resourceId) {}

  std::string str(const char* key, std::string def = {}) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_string()) bad(key, "must be a string");
    return v->get<std::string>();
  }
  int integer(const char* key, int def) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_number_integer()) bad(key, "must be an integer");
    const auto n = v->get<std::int64_t>();
    if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max())
      bad(key, "is out of range");
    return static_cast<int>(n);
  }
  std::optional<int> optInteger(const char* key) const {
    if (!find(key)) return std::nullopt;
    return integer(key, 0);
  }
  bool boolean(const char* key, bool def) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_boolean()) bad(key, "must be true or false");
    return v->get<bool>();
  }
  /// obj[key].id ("" when absent); nullopt only from optRef.
  std::string ref(const char* key) const { return optRef(key).value_or(std::string()); }
  std::optional<std::string> optRef(const char* key) const {
    if (!find(key)) return std::nullopt;
    return object(key).str("id");
  }
  Node object(const char* key) const {
    static const json kEmpty = json::object();
    const json* v = find(key);
    if (v && !v->is_object()) bad(key, "must be an object");
    return Node(v ? *v : kEmpty, join(key), *resourceId_);
  }
  std::vector<Node> array(const char* key) const {
    std::vector<Node> out;
    const json* v = find(key);
    if (!v) return out;
    if (!v->is_array()) bad(key, "must be an array");
    for (std::size_t i = 0; i < v->size(); ++i) {
      const std::string at = std::string(key) + "[" + std::to_string(i) + "]";
      if (!(*v)[i].is_object()) bad(at.c_str(), "must be an object", &(*v)[i]);
      out.emplace_back((*v)[i], join(at.c_str()), *resourceId_);
    }
    return out;
  }
  std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> out;
    const json* v = find(key);
    if (!v) return out;
    if (!v->is_array()) bad(key, "must be an array");
    for (const auto& s : *v) {
      if (!s.is_string()) bad(key, "must hold strings", &s);
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  std::vector<std::string> refs(const char* key) const {
    std::vector<std::string> out;
    for (const auto& n : array(key)) out.push_back(n.str("id"));
    return out;
  }
  template <typename E>
  E oneOf(const char* key, E def, std::initializer_list<std::pair<const char*, E>> values) const {
    const json* v = find(key);
    if (!v) return def;
    const std::string s = str(key);
    for (const auto& [name, value] : values)
      if (iequals(s, name)) return value;
    std::string allowed;
    for (const auto& [name, value] : values)
      allowed += (allowed.empty() ? "" : ", ") + std::string(name);
    bad(key, "is \"" + s + "\", not one of " + allowed);
  }
  Node properties() const { return object("properties"); }
  const json& raw() const { return *j_; }

  /// `got` is the offending value when it is not obj[key] itself (an array element).
  [[noreturn]] void bad(const char* key, const std::string& what, const json* got = nullptr) const {
    if (!got) got = find(key);
    throw Bad{(resourceId_->empty() ? std::string("(resource without id)") : *resourceId_) + ": " +
              join(key) + " " + what +
              (got ? std::string(" (got ") + got->type_name() + ")" : std::string())};
  }

 private:
  /// nullptr when absent or JSON null (ARM's "not set").
  const json* find(const char* key) const {
    auto it = j_->find(key);
    return it == j_->end() || it->is_null() ? nullptr : &*it;
  }
  std::string join(const char* key) const {
    return path_.empty() ? std::string(key) : path_ + "." + key;
  }

  const json* j_;
  std::string path_;
  const std::string* resourceId_;
};

const std::initializer_list<std::pair<const char*, TransportProtocol>> kTransport = {
    {"Tcp", TransportProtocol::Tcp},
    {"Udp", TransportProtocol::Udp},
    {"All", TransportProtocol::All}};

/// Runs `parse` on a resource's root node; Bad becomes the Result's error.
template <typename T, typename F>
Result<T> parseRoot(const json& resource, F parse) {
  static const std::string kNoId;
  if (!resource.is_object()) return fail("(resource): must be a JSON object");
  auto id = resource.find("id");
  const std::string resourceId =
      id != resource.end() && id->is_string() ? id->get<std::string>() : kNoId;
  try {
    return parse(Node(resource, "", resourceId));
  } catch (const Bad& b) {
    return fail(b.message);
  }
}

Subnet subnet(const Node& n) {
  const Node p = n.properties();
  return {n.str("id"),
          n.str("name"),
          p.str("addressPrefix"),
          p.strings("addressPrefixes"),
          p.boolean("defaultOutboundAccess", true),
          p.ref("networkSecurityGroup")};
}

IpConfiguration ipConfiguration(const Node& n) {
  const Node p = n.properties();
  return {n.str("id"),
          n.str("name"),
          p.boolean("primary", false),
          p.str("privateIPAddress"),
          p.ref("subnet"),
          p.ref("publicIPAddress"),
          p.refs("applicationSecurityGroups")};
}

/// The singular field (when set) and the plural list, as one list.
std::vector<std::string> merged(const Node& p, const char* single, const char* plural) {
  std::vector<std::string> out = p.strings(plural);
  if (const std::string one = p.str(single); !one.empty()) out.insert(out.begin(), one);
  return out;
}

SecurityRule securityRule(const Node& n) {
  const Node p = n.properties();
  SecurityRule r;
  r.id = n.str("id");
  r.name = n.str("name");
  r.protocol = p.str("protocol");
  r.access = p.str("access");
  r.direction = p.str("direction");
  r.priority = static_cast<int>(p.integer("priority", 0));
  r.sourcePorts = merged(p, "sourcePortRange", "sourcePortRanges");
  r.destinationPorts = merged(p, "destinationPortRange", "destinationPortRanges");
  r.sourceAddresses = merged(p, "sourceAddressPrefix", "sourceAddressPrefixes");
  r.destinationAddresses = merged(p, "destinationAddressPrefix", "destinationAddressPrefixes");
  r.sourceApplicationSecurityGroupIds = p.refs("sourceApplicationSecurityGroups");
  r.destinationApplicationSecurityGroupIds = p.refs("destinationApplicationSecurityGroups");
  return r;
}

FrontendIpConfiguration frontend(const Node& n) {
  const Node p = n.properties();
  return {n.str("id"), n.str("name"), p.optRef("publicIPAddress"), p.str("privateIPAddress"),
          p.ref("subnet")};
}

BackendAddressPool pool(const Node& n) {
  const Node p = n.properties();
  BackendAddressPool out{n.str("id"), n.str("name"), {}, p.refs("backendIPConfigurations")};
  for (const auto& a : p.array("loadBalancerBackendAddresses")) {
    const Node ap = a.properties();
    out.loadBalancerBackendAddresses.push_back(
        {out.id + "/loadBalancerBackendAddresses/" + a.str("name"), a.str("name"),
         ap.str("ipAddress"), ap.ref("virtualNetwork"), ap.ref("subnet"),
         ap.oneOf("adminState", AdminState::None,
                  {{"None", AdminState::None},
                   {"Up", AdminState::Up},
                   {"Down", AdminState::Down},
                   {"Drain", AdminState::Drain}})});
  }
  return out;
}

Probe probe(const Node& n) {
  const Node p = n.properties();
  Probe out;
  out.id = n.str("id");
  out.name = n.str("name");
  out.protocol = p.oneOf("protocol", ProbeProtocol::Tcp,
                         {{"Tcp", ProbeProtocol::Tcp},
                          {"Http", ProbeProtocol::Http},
                          {"Https", ProbeProtocol::Https}});
  out.port = p.integer("port", 0);
  out.requestPath = p.str("requestPath");
  out.intervalInSeconds = p.integer("intervalInSeconds", 15);
  out.noHealthyBackendsBehavior =
      p.oneOf("noHealthyBackendsBehavior", NoHealthyBackendsBehavior::AllProbedDown,
              {{"AllProbedDown", NoHealthyBackendsBehavior::AllProbedDown},
               {"AllProbedUp", NoHealthyBackendsBehavior::AllProbedUp}});
  out.armProperties = p.raw().dump();
  return out;
}

LoadBalancingRule loadBalancingRule(const Node& n) {
  const Node p = n.properties();
  LoadBalancingRule r;
  r.id = n.str("id");
  r.name = n.str("name");
  r.frontendIpConfigurationId = p.ref("frontendIPConfiguration");
  r.backendAddressPoolIds = p.refs("backendAddressPools");
  r.probeId = p.ref("probe");
  r.protocol = p.oneOf("protocol", TransportProtocol::Tcp, kTransport);
  r.frontendPort = p.integer("frontendPort", 0);
  r.backendPort = p.integer("backendPort", 0);
  r.loadDistribution = p.oneOf("loadDistribution", LoadDistribution::Default,
                               {{"Default", LoadDistribution::Default},
                                {"SourceIP", LoadDistribution::SourceIP},
                                {"SourceIPProtocol", LoadDistribution::SourceIPProtocol}});
  r.idleTimeoutInMinutes = p.integer("idleTimeoutInMinutes", 4);
  r.enableFloatingIp = p.boolean("enableFloatingIP", false);
  r.enableTcpReset = p.boolean("enableTcpReset", false);
  r.disableOutboundSnat = p.boolean("disableOutboundSnat", false);
  return r;
}

InboundNatRule inboundNatRule(const Node& n) {
  const Node p = n.properties();
  InboundNatRule r;
  r.id = n.str("id");
  r.name = n.str("name");
  r.frontendIpConfigurationId = p.ref("frontendIPConfiguration");
  r.protocol = p.oneOf("protocol", TransportProtocol::Tcp, kTransport);
  r.frontendPort = p.integer("frontendPort", 0);
  r.backendPort = p.integer("backendPort", 0);
  r.frontendPortRangeStart = p.optInteger("frontendPortRangeStart");
  r.frontendPortRangeEnd = p.optInteger("frontendPortRangeEnd");
  r.backendAddressPoolId = p.ref("backendAddressPool");
  r.backendIpConfigurationId = p.ref("backendIPConfiguration");
  r.idleTimeoutInMinutes = p.integer("idleTimeoutInMinutes", 4);
  r.enableFloatingIp = p.boolean("enableFloatingIP", false);
  r.enableTcpReset = p.boolean("enableTcpReset", false);
  return r;
}

InboundNatPool inboundNatPool(const Node& n) {
  const Node p = n.properties();
  return {n.str("id"),
          n.str("name"),
          p.ref("frontendIPConfiguration"),
          p.oneOf("protocol", TransportProtocol::Tcp, kTransport),
          p.integer("frontendPortRangeStart", 0),
          p.integer("frontendPortRangeEnd", 0),
          p.integer("backendPort", 0)};
}

OutboundRule outboundRule(const Node& n) {
  const Node p = n.properties();
  return {n.str("id"),
          n.str("name"),
          p.refs("frontendIPConfigurations"),
          p.ref("backendAddressPool"),
          p.oneOf("protocol", TransportProtocol::All, kTransport),
          p.integer("allocatedOutboundPorts", 0),
          p.integer("idleTimeoutInMinutes", 4),
          p.boolean("enableTcpReset", false)};
}

template <typename T, typename F>
std::vector<T> each(const Node& parent, const char* key, F parse) {
  std::vector<T> out;
  for (const auto& n : parent.array(key)) out.push_back(parse(n));
  return out;
}

}  // namespace

Result<VirtualNetwork> parseVirtualNetwork(const json& resource) {
  return parseRoot<VirtualNetwork>(resource, [](const Node& n) {
    const Node p = n.properties();
    return VirtualNetwork{n.str("id"), n.str("name"), each<Subnet>(p, "subnets", subnet),
                          p.object("addressSpace").strings("addressPrefixes")};
  });
}

Result<NetworkInterface> parseNetworkInterface(const json& resource) {
  return parseRoot<NetworkInterface>(resource, [](const Node& n) {
    return NetworkInterface{
        n.str("id"), n.str("name"),
        each<IpConfiguration>(n.properties(), "ipConfigurations", ipConfiguration),
        n.properties().ref("networkSecurityGroup")};
  });
}

Result<NetworkSecurityGroup> parseNetworkSecurityGroup(const json& resource) {
  return parseRoot<NetworkSecurityGroup>(resource, [](const Node& n) {
    const Node p = n.properties();
    return NetworkSecurityGroup{n.str("id"), n.str("name"),
                                each<SecurityRule>(p, "securityRules", securityRule),
                                each<SecurityRule>(p, "defaultSecurityRules", securityRule)};
  });
}

Result<PublicIpAddress> parsePublicIpAddress(const json& resource) {
  return parseRoot<PublicIpAddress>(resource, [](const Node& n) {
    const bool basic =
        n.object("sku").oneOf("name", Sku::Standard,
                              {{"Basic", Sku::Basic}, {"Standard", Sku::Standard}}) == Sku::Basic;
    return PublicIpAddress{n.str("id"), n.str("name"), n.properties().str("ipAddress"), !basic};
  });
}

Result<LoadBalancer> parseLoadBalancer(const json& resource) {
  return parseRoot<LoadBalancer>(resource, [](const Node& n) {
    const Node p = n.properties();
    LoadBalancer lb;
    lb.id = n.str("id");
    lb.name = n.str("name");
    lb.sku = n.object("sku").oneOf(
        "name", Sku::Standard,
        {{"Basic", Sku::Basic}, {"Standard", Sku::Standard}, {"Gateway", Sku::Gateway}});
    lb.frontendIpConfigurations =
        each<FrontendIpConfiguration>(p, "frontendIPConfigurations", frontend);
    lb.backendAddressPools = each<BackendAddressPool>(p, "backendAddressPools", pool);
    lb.loadBalancingRules = each<LoadBalancingRule>(p, "loadBalancingRules", loadBalancingRule);
    lb.probes = each<Probe>(p, "probes", probe);
    lb.inboundNatRules = each<InboundNatRule>(p, "inboundNatRules", inboundNatRule);
    lb.inboundNatPools = each<InboundNatPool>(p, "inboundNatPools", inboundNatPool);
    lb.outboundRules = each<OutboundRule>(p, "outboundRules", outboundRule);
    return lb;
  });
}

namespace {

/// roleProfile's sku.capacity per role (overrides the cscfg's instance count).
std::vector<std::pair<std::string, int>> capacitiesOf(const Node& p) {
  std::vector<std::pair<std::string, int>> out;
  for (const Node& role : p.object("roleProfile").array("roles"))
    if (const std::optional<int> capacity = role.object("sku").optInteger("capacity"))
      out.emplace_back(role.str("name"), *capacity);
  return out;
}

}  // namespace

Result<CloudService> parseCloudService(const json& resource) {
  return parseRoot<CloudService>(resource, [](const Node& n) {
    const Node p = n.properties();
    const Node azlb = p.object("azlb");
    CloudService cs;
    cs.id = n.str("id");
    cs.name = n.str("name");
    cs.slot = azlb.str("slot", "Production");
    cs.appRoot = azlb.str("appRoot");
    cs.swappableCloudServiceId =
        p.object("networkProfile").optRef("swappableCloudService").value_or("");
    for (const Node& lbc : p.object("networkProfile").array("loadBalancerConfigurations"))
      for (const Node& fe : lbc.properties().array("frontendIpConfigurations"))
        if (auto pip = fe.properties().optRef("publicIPAddress"))
          cs.publicIpAddressIds.push_back(*pip);
    const std::string definition = azlb.str("serviceDefinition");
    const std::string configuration = p.str("configuration");
    auto deployed =
        cloudservice::deployTexts({.definition = definition,
                                   .definitionFile = azlb.str("definitionFile", "csdef"),
                                   .configuration = configuration,
                                   .capacities = capacitiesOf(p)});
    if (!deployed) p.bad("configuration", "is not valid: " + deployed.error().message());
    cs.deployment = std::move(*deployed);
    return cs;
  });
}

Resources parseResources(const std::vector<json>& virtualNetworks,
                         const std::vector<json>& networkInterfaces,
                         const std::vector<json>& loadBalancers,
                         const std::vector<json>& publicIpAddresses,
                         const std::vector<json>& cloudServices,
                         const std::vector<json>& networkSecurityGroups) {
  Resources out;
  auto collect = [&out](const std::vector<json>& in, auto parse, auto& into) {
    for (const auto& j : in) {
      auto r = parse(j);
      if (r) {
        into.push_back(std::move(*r));
        continue;
      }
      const auto id = j.is_object() ? j.find("id") : j.end();
      out.errors[id != j.end() && id->is_string() ? id->get<std::string>() : std::string()] =
          r.error().message();
    }
  };
  collect(virtualNetworks, parseVirtualNetwork, out.virtualNetworks);
  collect(networkInterfaces, parseNetworkInterface, out.networkInterfaces);
  collect(loadBalancers, parseLoadBalancer, out.loadBalancers);
  collect(publicIpAddresses, parsePublicIpAddress, out.publicIpAddresses);
  collect(cloudServices, parseCloudService, out.cloudServices);
  collect(networkSecurityGroups, parseNetworkSecurityGroup, out.networkSecurityGroups);
  return out;
}

json toJson(const LoadBalancerHealthPerRule& health) {
  json addresses = json::array();
  for (const auto& b : health.loadBalancerBackendAddresses) {
    json a = {{"ipAddress", b.ipAddress}, {"state", b.state}, {"reason", b.reason}};
    if (!b.networkInterfaceIpConfigurationId.empty())
      a["networkInterfaceIPConfigurationId"] = b.networkInterfaceIpConfigurationId;
    addresses.push_back(std::move(a));
  }
  return {{"up", health.up},
          {"down", health.down},
          {"loadBalancerBackendAddresses", std::move(addresses)}};
}

}  // namespace azlb::model
