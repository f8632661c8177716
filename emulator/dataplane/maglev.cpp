#include "emulator/dataplane/maglev.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "emulator/dataplane/flow_key.h"

namespace azlb::dataplane {

namespace {

// Two independent hashes of a backend key give its permutation (offset, skip), as in the paper's
// h1(name), h2(name). Fixed seeds: part of the cross-process contract.
constexpr std::uint64_t kOffsetSeed = 0x6d61676c65762d6fULL;  // "maglev-o"
constexpr std::uint64_t kSkipSeed = 0x6d61676c65762d73ULL;    // "maglev-s"

struct Candidate {
  std::uint64_t key;
  std::uint32_t index;  // position in the caller's span, the value stored in slots
  std::uint32_t turns;  // slots claimed per round: weight / gcd(weights)
  std::uint64_t position;
  std::uint64_t skip;
};

}  // namespace

bool isPrime(std::uint64_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (std::uint64_t d = 3; d * d <= n; d += 2) {
    if (n % d == 0) return false;
  }
  return true;
}

std::uint32_t MaglevTable::tableSizeFor(std::size_t backendCount) {
  const std::size_t wanted = std::max<std::size_t>(backendCount, 1) * kMinSlotsPerBackend;
  for (std::uint32_t size : kTableSizes) {
    if (size >= wanted) return size;
  }
  return 0;
}

Result<MaglevTable> MaglevTable::build(std::span<const MaglevBackend> backends,
                                       std::uint32_t tableSize) {
  if (backends.size() >= kNoBackend) return fail("maglev: too many backends");
  std::vector<Candidate> active;
  active.reserve(backends.size());
  std::uint32_t weightGcd = 0;
  for (std::size_t i = 0; i < backends.size(); ++i) {
    if (backends[i].weight == 0) continue;
    active.push_back(
        Candidate{backends[i].key, static_cast<std::uint32_t>(i), backends[i].weight, 0, 0});
    weightGcd = std::gcd(weightGcd, backends[i].weight);
  }
  if (tableSize == 0) {
    tableSize = tableSizeFor(active.size());
    if (tableSize == 0) {
      return fail("maglev: " + std::to_string(active.size()) +
                  " backends need more than the largest table size");
    }
  } else if (!isPrime(tableSize) || tableSize < active.size()) {
    return fail("maglev: table size " + std::to_string(tableSize) +
                " must be a prime >= the number of backends");
  }
  if (active.empty()) return MaglevTable();

  // Order by key so the table does not depend on the order the caller listed backends in; the
  // index breaks ties between equal keys.
  std::sort(active.begin(), active.end(), [](const Candidate& a, const Candidate& b) {
    return a.key != b.key ? a.key < b.key : a.index < b.index;
  });
  const std::uint64_t m = tableSize;
  for (Candidate& c : active) {
    c.turns /= weightGcd;
    c.position = mix64(c.key ^ kOffsetSeed) % m;      // offset: permutation[0]
    c.skip = mix64(c.key ^ kSkipSeed) % (m - 1) + 1;  // in [1, M-1]: coprime with prime M
  }

  // Population (paper, Pseudocode 1): backends take turns claiming their next preferred slot
  // that is still free. permutation[j] = (offset + j * skip) mod M is walked incrementally, so
  // the N x M permutation matrix is never stored.
  std::vector<std::uint32_t> entries(tableSize, kNoBackend);
  std::uint64_t filled = 0;
  while (filled < m) {
    for (Candidate& c : active) {
      for (std::uint32_t turn = 0; turn < c.turns && filled < m; ++turn) {
        while (entries[c.position] != kNoBackend) c.position = (c.position + c.skip) % m;
        entries[c.position] = c.index;
        c.position = (c.position + c.skip) % m;
        ++filled;
      }
      if (filled == m) break;
    }
  }
  return MaglevTable(std::move(entries));
}

}  // namespace azlb::dataplane
