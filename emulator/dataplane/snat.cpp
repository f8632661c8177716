#include "emulator/dataplane/snat.h"

#include <algorithm>
#include <cerrno>
#include <tuple>
#include <utility>

namespace azlb::dataplane {

std::uint32_t SnatSpec::portCount() const {
  if (oneToOne()) return 65535;
  std::uint32_t n = 0;
  for (const auto& b : blocks) n += b.count;
  return n;
}

Result<SnatIndex> SnatIndex::build(std::vector<SnatSpec> specs) {
  SnatIndex index;
  std::sort(specs.begin(), specs.end(),
            [](const SnatSpec& a, const SnatSpec& b) { return a.underlay < b.underlay; });
  for (std::size_t i = 0; i + 1 < specs.size(); ++i)
    if (specs[i].underlay == specs[i + 1].underlay)
      return fail("outbound: two entries for the vm at " + specs[i].underlay.toString(), EINVAL);
  for (const auto& s : specs) {
    const std::string who = "outbound of " + s.ip.toString() + " (" + s.via + ")";
    if (s.oneToOne()) {
      if (s.blocks.size() != 1 || s.blocks[0].first != 0 || s.blocks[0].count != 0)
        return fail(who + ": an instance public IP needs exactly one {ip, 0, 0} block", EINVAL);
      index.ranges_.push_back({s.blocks[0].ip.value, 0, 65535, s.underlay.value});
      continue;
    }
    if (s.idleTimeout.count() <= 0) return fail(who + ": idle timeout must be > 0", EINVAL);
    for (const auto& b : s.blocks) {
      const std::uint32_t last = std::uint32_t{b.first} + b.count - 1;
      if (b.count == 0 || b.first == 0 || last > 65535)
        return fail(who + ": bad port block " + std::to_string(b.first) + "+" + std::to_string(b.count),
                    EINVAL);
      index.ranges_.push_back({b.ip.value, b.first, last, s.underlay.value});
    }
  }
  std::sort(index.ranges_.begin(), index.ranges_.end(), [](const Range& a, const Range& b) {
    return std::tie(a.ip, a.first) < std::tie(b.ip, b.first);
  });
  for (std::size_t i = 0; i + 1 < index.ranges_.size(); ++i) {
    const Range& a = index.ranges_[i];
    const Range& b = index.ranges_[i + 1];
    if (a.ip == b.ip && b.first <= a.last)
      return fail("outbound: port " + std::to_string(b.first) + " of " + Ipv4Address{a.ip}.toString() +
                      " is given to two vms",
                  EINVAL);
  }
  index.specs_ = std::move(specs);
  return index;
}

std::optional<Ipv4Address> SnatIndex::ownerOf(Ipv4Address ip, std::uint16_t port) const {
  // The last range starting at or before (ip, port).
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), std::make_pair(ip.value, std::uint32_t{port}),
                             [](const std::pair<std::uint32_t, std::uint32_t>& k, const Range& r) {
                               return std::tie(k.first, k.second) < std::tie(r.ip, r.first);
                             });
  if (it == ranges_.begin()) return std::nullopt;
  --it;
  if (it->ip != ip.value || port > it->last) return std::nullopt;
  return Ipv4Address{it->underlay};
}

const SnatSpec* SnatIndex::find(Ipv4Address underlay) const {
  auto it = std::lower_bound(specs_.begin(), specs_.end(), underlay,
                             [](const SnatSpec& s, Ipv4Address u) { return s.underlay < u; });
  return it != specs_.end() && it->underlay == underlay ? &*it : nullptr;
}

}  // namespace azlb::dataplane
