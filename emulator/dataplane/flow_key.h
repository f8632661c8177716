// FlowKey (the 5-tuple) and the data plane's hash functions: one fixed-seed 64-bit mix used by
// every MUX and host agent, so that all processes hash a flow the same way. Owns no table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "emulator/dataplane/ipv4_address.h"

namespace azlb::dataplane {

/// Azure's loadDistribution: which fields of the flow pick the backend.
enum class LoadDistribution : std::uint8_t {
  Default,           ///< 5-tuple: src ip, dst ip, src port, dst port, protocol
  SourceIP,          ///< 2-tuple: src ip, dst ip ("client IP" affinity)
  SourceIPProtocol,  ///< 3-tuple: src ip, dst ip, protocol ("client IP and protocol")
};

struct FlowKey {
  Ipv4Address srcIp{};
  Ipv4Address dstIp{};
  std::uint16_t srcPort = 0;
  std::uint16_t dstPort = 0;
  std::uint8_t protocol = 0;

  /// The key with the fields `mode` ignores zeroed: SourceIP keeps (srcIp, dstIp),
  /// SourceIPProtocol also keeps protocol, Default keeps everything.
  constexpr FlowKey forDistribution(LoadDistribution mode) const {
    switch (mode) {
      case LoadDistribution::SourceIP:
        return FlowKey{srcIp, dstIp, 0, 0, 0};
      case LoadDistribution::SourceIPProtocol:
        return FlowKey{srcIp, dstIp, 0, 0, protocol};
      case LoadDistribution::Default:
        break;
    }
    return *this;
  }

  /// The key of the reply: source and destination swapped.
  constexpr FlowKey reversed() const { return FlowKey{dstIp, srcIp, dstPort, srcPort, protocol}; }

  friend constexpr bool operator==(const FlowKey&, const FlowKey&) = default;
};

/// Seeds are part of the wire contract between processes (a MUX and its peers must agree):
/// changing one moves flows after an upgrade. The golden tests pin the resulting values.
inline constexpr std::uint64_t kFlowHashSeed = 0x617a6c622d666c77ULL;     // "azlb-flw"
inline constexpr std::uint64_t kBackendHashSeed = 0x617a6c622d62656eULL;  // "azlb-ben"

/// A 64-bit finalising mix (xor-shift / multiply rounds with odd constants): every input bit
/// affects every output bit. Bijective.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30U;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27U;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31U;
  return x;
}

/// Hash of all five fields. Same value in every process and build.
constexpr std::uint64_t hashFlowKey(const FlowKey& key) {
  const std::uint64_t addresses =
      (static_cast<std::uint64_t>(key.srcIp.value) << 32U) | key.dstIp.value;
  const std::uint64_t rest = (static_cast<std::uint64_t>(key.srcPort) << 32U) |
                             (static_cast<std::uint64_t>(key.dstPort) << 16U) | key.protocol;
  return mix64(mix64(addresses ^ kFlowHashSeed) ^ rest);
}

/// The hash that selects a backend under `mode`: hashFlowKey of forDistribution(mode).
constexpr std::uint64_t distributionHash(const FlowKey& key, LoadDistribution mode) {
  return hashFlowKey(key.forDistribution(mode));
}

/// Hash of arbitrary bytes (a backend's stable id) with a seed; 8 bytes per mix round.
std::uint64_t hashBytes(std::span<const std::uint8_t> bytes, std::uint64_t seed);
/// hashBytes over the characters of `text`.
std::uint64_t hashString(std::string_view text, std::uint64_t seed = kBackendHashSeed);

}  // namespace azlb::dataplane
