#include "emulator/dataplane/forwarding_config.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <utility>

namespace azlb::dataplane {

namespace {

std::atomic<std::uint64_t> nextInstanceId{1};

constexpr std::uint64_t packFrontend(Ipv4Address ip, std::uint8_t protocol, std::uint16_t port) {
  return (static_cast<std::uint64_t>(ip.value) << 24U) |
         (static_cast<std::uint64_t>(protocol) << 16U) | port;
}

std::string describe(const RuleSpec& rule) {
  const char* protocol = rule.protocol == RuleProtocol::Tcp   ? "Tcp"
                         : rule.protocol == RuleProtocol::Udp ? "Udp"
                                                              : "All";
  return rule.frontendIp.toString() + " " + protocol + " " + std::to_string(rule.frontendPort);
}

Unexpected<Error> ruleError(const RuleSpec& rule, const std::string& what) {
  return fail("forwarding config: rule '" + rule.name + "': " + what);
}

/// Per frontend IP of the rules that answer ping: an echo reply when any of its rules has a
/// healthy backend, host unreachable when its rules have backends but none healthy.
std::vector<std::pair<Ipv4Address, PingAnswer>> pingIndex(const std::vector<RuleSpec>& rules) {
  std::map<Ipv4Address, PingAnswer> by;
  for (const RuleSpec& r : rules) {
    if (!r.answersPing || r.backends.empty()) continue;
    const bool healthy = std::any_of(r.backends.begin(), r.backends.end(),
                                     [](const BackendSpec& b) { return b.healthy; });
    PingAnswer& a = by.try_emplace(r.frontendIp, PingAnswer::HostUnreachable).first->second;
    if (healthy) a = PingAnswer::EchoReply;
  }
  return {by.begin(), by.end()};
}

}  // namespace

std::uint32_t Rule::findBackend(std::uint64_t key) const {
  const auto it = std::lower_bound(backends.begin(), backends.end(), key,
                                   [](const Backend& b, std::uint64_t k) { return b.key < k; });
  if (it == backends.end() || it->key != key) return MaglevTable::kNoBackend;
  return static_cast<std::uint32_t>(it - backends.begin());
}

std::shared_ptr<const ForwardingConfig> ForwardingConfig::empty() {
  static const std::shared_ptr<const ForwardingConfig> emptyConfig = [] {
    std::shared_ptr<ForwardingConfig> config(new ForwardingConfig());
    config->instanceId_ = nextInstanceId.fetch_add(1);
    return config;
  }();
  return emptyConfig;
}

Result<std::shared_ptr<const ForwardingConfig>> ForwardingConfig::build(
    const ForwardingConfigSpec& spec) {
  std::shared_ptr<ForwardingConfig> config(new ForwardingConfig());
  config->version_ = spec.version;
  config->rules_.reserve(spec.rules.size());

  // Rules over the same healthy backend set share one Maglev table.
  std::map<std::vector<std::pair<std::uint64_t, std::uint32_t>>, std::shared_ptr<const MaglevTable>>
      tables;

  if (spec.rules.size() >= MaglevTable::kNoBackend)
    return fail("forwarding config: too many rules");
  for (const RuleSpec& ruleSpec : spec.rules) {
    const bool haPorts = ruleSpec.protocol == RuleProtocol::All;
    if (haPorts && (ruleSpec.frontendPort != 0 || ruleSpec.backendPort != 0)) {
      return ruleError(ruleSpec, "protocol All (HA ports) needs frontendPort and backendPort 0");
    }
    if (!haPorts && (ruleSpec.frontendPort == 0 || ruleSpec.backendPort == 0)) {
      return ruleError(ruleSpec, "protocol Tcp/Udp needs ports between 1 and 65535");
    }
    if (ruleSpec.idleTimeout.count() <= 0) {
      return ruleError(ruleSpec, "idle timeout must be positive");
    }
    if (ruleSpec.kind == RuleKind::InboundNatRule && ruleSpec.backends.size() != 1) {
      return ruleError(ruleSpec, "an inbound NAT rule needs exactly one backend, got " +
                                     std::to_string(ruleSpec.backends.size()));
    }

    Rule rule;
    rule.index = static_cast<std::uint32_t>(config->rules_.size());
    rule.name = ruleSpec.name;
    rule.kind = ruleSpec.kind;
    rule.frontendIp = ruleSpec.frontendIp;
    rule.protocol = ruleSpec.protocol;
    rule.frontendPort = ruleSpec.frontendPort;
    rule.backendPort = ruleSpec.backendPort;
    rule.loadDistribution = ruleSpec.loadDistribution;
    rule.idleTimeout = std::chrono::duration_cast<Nanos>(ruleSpec.idleTimeout);
    rule.floatingIp = ruleSpec.floatingIp;
    rule.tcpReset = ruleSpec.tcpReset;
    rule.keepTcpFlowsWhenAllDown = ruleSpec.keepTcpFlowsWhenAllDown;
    rule.standard = ruleSpec.standard;
    rule.vnet = ruleSpec.vnet;
    rule.backends.reserve(ruleSpec.backends.size());
    for (const BackendSpec& b : ruleSpec.backends) {
      rule.backends.push_back(Backend{b.id, hashString(b.id), b.ip, b.hostIp, b.healthy});
      rule.anyHealthy = rule.anyHealthy || b.healthy;
    }
    std::sort(rule.backends.begin(), rule.backends.end(),
              [](const Backend& a, const Backend& b) { return a.key < b.key; });
    for (std::size_t i = 1; i < rule.backends.size(); ++i) {
      if (rule.backends[i].key == rule.backends[i - 1].key) {
        return ruleError(ruleSpec, "duplicate backend id '" + rule.backends[i].id + "'");
      }
    }
    std::vector<std::pair<Ipv4Address, const Backend*>> byHost;
    for (const Backend& b : rule.backends) byHost.emplace_back(b.hostIp, &b);
    std::sort(byHost.begin(), byHost.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < byHost.size(); ++i) {
      if (byHost[i].first == byHost[i - 1].first) {
        return ruleError(ruleSpec, "backends '" + byHost[i - 1].second->id + "' and '" +
                                       byHost[i].second->id + "' share underlay address " +
                                       byHost[i].first.toString() +
                                       "; a host agent could not tell them apart (give each "
                                       "backend its own underlay address)");
      }
    }

    if (rule.kind == RuleKind::LoadBalancingRule) {
      std::vector<MaglevBackend> candidates;
      std::vector<std::pair<std::uint64_t, std::uint32_t>> setKey;
      candidates.reserve(rule.backends.size());
      for (const Backend& b : rule.backends) {
        const std::uint32_t weight = b.healthy ? 1U : 0U;
        candidates.push_back(MaglevBackend{b.key, weight});
        setKey.emplace_back(b.key, weight);
      }
      auto& shared = tables[setKey];
      if (!shared) {
        auto table = MaglevTable::build(candidates, spec.maglevTableSize);
        if (!table) return ruleError(ruleSpec, table.error().message());
        shared = std::make_shared<const MaglevTable>(std::move(*table));
      }
      rule.maglev = shared;
    }

    const std::uint8_t protocol = static_cast<std::uint8_t>(rule.protocol);
    const std::uint64_t packed = packFrontend(rule.frontendIp, protocol, rule.frontendPort);
    config->frontendIndex_.emplace_back(packed, rule.index);
    for (std::size_t i = 0; i < rule.backends.size(); ++i) {
      config->hostIndex_.push_back(HostEntry{HostKey{rule.backends[i].hostIp.value, packed},
                                             rule.index, static_cast<std::uint32_t>(i)});
    }
    config->rules_.push_back(std::move(rule));
  }

  std::sort(config->frontendIndex_.begin(), config->frontendIndex_.end());
  for (std::size_t i = 1; i < config->frontendIndex_.size(); ++i) {
    if (config->frontendIndex_[i].first == config->frontendIndex_[i - 1].first) {
      const RuleSpec& a = spec.rules[config->frontendIndex_[i - 1].second];
      const RuleSpec& b = spec.rules[config->frontendIndex_[i].second];
      return fail("forwarding config: rules '" + a.name + "' and '" + b.name +
                  "' both use frontend " + describe(b));
    }
  }
  std::sort(config->hostIndex_.begin(), config->hostIndex_.end(),
            [](const HostEntry& a, const HostEntry& b) { return a.key < b.key; });
  auto snat = SnatIndex::build(spec.outbound);
  if (!snat) return fail("forwarding config: " + snat.error().context);
  config->snat_ = std::move(*snat);
  config->pingIndex_ = pingIndex(spec.rules);
  config->fastpath_ = spec.fastpath;
  config->fastpathIdle_ = spec.fastpathIdleTimeout;
  config->instanceId_ = nextInstanceId.fetch_add(1);
  return std::shared_ptr<const ForwardingConfig>(std::move(config));
}

PingAnswer ForwardingConfig::pingAnswer(Ipv4Address ip) const {
  const auto it =
      std::lower_bound(pingIndex_.begin(), pingIndex_.end(), ip,
                       [](const std::pair<Ipv4Address, PingAnswer>& e, Ipv4Address k) {
                         return e.first < k;
                       });
  return it == pingIndex_.end() || it->first != ip ? PingAnswer::None : it->second;
}

const Rule* ForwardingConfig::findFrontendExact(std::uint64_t packed) const {
  const auto it = std::lower_bound(frontendIndex_.begin(), frontendIndex_.end(), packed,
                                   [](const std::pair<std::uint64_t, std::uint32_t>& e,
                                      std::uint64_t k) { return e.first < k; });
  if (it == frontendIndex_.end() || it->first != packed) return nullptr;
  return &rules_[it->second];
}

const Rule* ForwardingConfig::findFrontend(Ipv4Address ip, std::uint8_t protocol,
                                           std::uint16_t port) const {
  if (const Rule* rule = findFrontendExact(packFrontend(ip, protocol, port))) return rule;
  if (protocol != static_cast<std::uint8_t>(RuleProtocol::Tcp) &&
      protocol != static_cast<std::uint8_t>(RuleProtocol::Udp)) {
    return nullptr;
  }
  return findFrontendExact(packFrontend(ip, static_cast<std::uint8_t>(RuleProtocol::All), 0));
}

std::optional<ForwardingConfig::HostMatch> ForwardingConfig::findHostExact(
    const HostKey& key) const {
  const auto it = std::lower_bound(hostIndex_.begin(), hostIndex_.end(), key,
                                   [](const HostEntry& e, const HostKey& k) { return e.key < k; });
  if (it == hostIndex_.end() || it->key != key) return std::nullopt;
  return HostMatch{&rules_[it->rule], it->backend};
}

std::optional<ForwardingConfig::HostMatch> ForwardingConfig::findHostBackend(
    Ipv4Address underlay, Ipv4Address frontendIp, std::uint8_t protocol, std::uint16_t port) const {
  if (auto match =
          findHostExact(HostKey{underlay.value, packFrontend(frontendIp, protocol, port)})) {
    return match;
  }
  if (protocol != static_cast<std::uint8_t>(RuleProtocol::Tcp) &&
      protocol != static_cast<std::uint8_t>(RuleProtocol::Udp)) {
    return std::nullopt;
  }
  return findHostExact(HostKey{
      underlay.value, packFrontend(frontendIp, static_cast<std::uint8_t>(RuleProtocol::All), 0)});
}

}  // namespace azlb::dataplane
