#include "emulator/controller/passes/util.h"

#include <algorithm>

namespace azlb::controller::passes {

std::uint64_t fnv(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

std::uint32_t pick(const std::string& id, std::uint32_t lo, std::uint32_t hi,
                   std::set<std::uint32_t>& used,
                   const std::map<std::string, std::uint32_t>& previous) {
  auto it = previous.find(id);
  if (it != previous.end() && it->second >= lo && it->second <= hi && !used.count(it->second)) {
    used.insert(it->second);
    return it->second;
  }
  std::uint32_t span = hi - lo + 1;
  std::uint32_t start = static_cast<std::uint32_t>(fnv(id) % span);
  for (std::uint32_t k = 0; k < span; ++k) {
    std::uint32_t v = lo + (start + k) % span;
    if (!used.count(v)) {
      used.insert(v);
      return v;
    }
  }
  return 0;
}

std::uint32_t muxCount(const PlanOptions& o) {
  return std::max<std::uint32_t>(1, std::min<std::uint32_t>(o.muxes, 60));
}
std::uint32_t hostCount(const PlanOptions& o) {
  return std::max<std::uint32_t>(1, std::min<std::uint32_t>(o.hosts, 60));
}

std::string ip4(std::uint8_t a, std::uint8_t b, std::uint32_t c, std::uint32_t d) {
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." +
         std::to_string(d);
}

netns_model::Ipv4Prefix prefix(const std::string& text) {
  return netns_model::parseIpv4Prefix(text).value_or(netns_model::Ipv4Prefix{});
}

netns_model::Ipv4Address addr(const std::string& text) {
  return netns_model::parseIpv4(text).value_or(netns_model::Ipv4Address{});
}

netns_model::Naming naming(const PlanOptions& o) {
  return netns_model::Naming::create(o.prefix, o.instance).value();
}

std::string name(const netns_model::Naming& n, netns_model::Role r, std::uint32_t i) {
  auto s = n.name(r, i);
  return s ? *s : std::string();
}

std::chrono::milliseconds scaledIdleTimeout(int minutes, double scale) {
  const double ms = static_cast<double>(minutes) * 60000.0 * scale;
  return std::chrono::milliseconds(ms < 1.0 ? 1 : static_cast<std::int64_t>(ms));
}

}  // namespace azlb::controller::passes
