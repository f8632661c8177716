// MaglevTable: the consistent-hash lookup table of Maglev (Eisenbud et al., "Maglev: A Fast and
// Reliable Software Network Load Balancer", NSDI 2016, section 3.4). Built off the packet path
// from the healthy backends of one rule; looked up with one index per packet. Owns no flows.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "common/result.h"

namespace azlb::dataplane {

/// One candidate for the table. The permutation depends only on `key`, so every process that
/// builds from the same keys builds the same table, whatever order the backends come in.
struct MaglevBackend {
  /// Stable identity, e.g. hashString(ip configuration id) or a 64-bit id from the manager.
  std::uint64_t key = 0;
  /// Relative share of slots; 0 leaves the backend out (unhealthy, draining). Azure has no
  /// backend weights, so the compiler passes 1 or 0.
  std::uint32_t weight = 1;
};

class MaglevTable {
 public:
  static constexpr std::uint32_t kNoBackend = 0xFFFFFFFFU;
  /// The paper keeps M >= 100 * N so that every backend's share is within about 1% of 1/N.
  static constexpr std::size_t kMinSlotsPerBackend = 100;
  /// Table sizes: the smallest prime above each power of two from 2^16 to 2^24.
  static constexpr std::array<std::uint32_t, 9> kTableSizes = {
      65537, 131101, 262147, 524309, 1048583, 2097169, 4194319, 8388617, 16777259};

  /// The smallest kTableSizes entry >= kMinSlotsPerBackend * backendCount (65537 for up to 655
  /// backends); 0 when the list has none that large.
  static std::uint32_t tableSizeFor(std::size_t backendCount);

  /// Builds the table over the backends with weight > 0. Slot values are indices into
  /// `backends`. tableSize 0 picks tableSizeFor(active backends); any other value must be a prime
  /// >= the number of active backends. With no active backend the table is empty and every
  /// lookup returns kNoBackend. Errors: too many backends, or a bad tableSize. Allocates (the
  /// table); call on the control thread when backends or health change, never per packet.
  static Result<MaglevTable> build(std::span<const MaglevBackend> backends,
                                   std::uint32_t tableSize = 0);

  MaglevTable() = default;

  /// The backend index for a flow hash, or kNoBackend when the table is empty. One modulo and
  /// one load: safe on the packet path.
  std::uint32_t lookup(std::uint64_t hash) const {
    if (entries_.empty()) return kNoBackend;
    return entries_[static_cast<std::size_t>(hash % entries_.size())];
  }

  bool empty() const { return entries_.empty(); }
  /// M, the number of slots (0 when empty).
  std::size_t size() const { return entries_.size(); }
  /// All slots, for tests and status output.
  std::span<const std::uint32_t> entries() const { return entries_; }

  friend bool operator==(const MaglevTable&, const MaglevTable&) = default;

 private:
  explicit MaglevTable(std::vector<std::uint32_t> entries) : entries_(std::move(entries)) {}

  std::vector<std::uint32_t> entries_{};
};

/// Deterministic primality test by trial division (table sizes are at most 2^24 + small).
bool isPrime(std::uint64_t n);

}  // namespace azlb::dataplane
