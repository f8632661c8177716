#include "emulator/dataplane/maglev.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "emulator/dataplane/flow_key.h"

using namespace azlb::dataplane;

namespace {

std::vector<MaglevBackend> backends(std::size_t n, std::size_t firstId = 0) {
  std::vector<MaglevBackend> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({hashString("backend-" + std::to_string(firstId + i)), 1});
  }
  return out;
}

MaglevTable build(const std::vector<MaglevBackend>& list, std::uint32_t size = 0) {
  auto table = MaglevTable::build(list, size);
  if (!table) FAIL(table.error().message());
  return std::move(*table);
}

std::vector<std::size_t> slotCounts(const MaglevTable& table, std::size_t n) {
  std::vector<std::size_t> counts(n, 0);
  for (std::uint32_t slot : table.entries()) {
    REQUIRE(slot < n);
    ++counts[slot];
  }
  return counts;
}

// Slot owners as backend keys, so tables over different lists compare by identity.
std::vector<std::uint64_t> ownerKeys(const MaglevTable& table,
                                     const std::vector<MaglevBackend>& list) {
  std::vector<std::uint64_t> out;
  out.reserve(table.size());
  for (std::uint32_t slot : table.entries()) out.push_back(list[slot].key);
  return out;
}

}  // namespace

TEST_CASE("maglev gives every backend its share of slots at equal weights", "[dataplane][maglev]") {
  for (std::size_t n : {2U, 3U, 5U, 10U, 17U}) {
    INFO("backends: " << n);
    const auto list = backends(n);
    const MaglevTable table = build(list);
    REQUIRE(table.size() == 65537);
    const auto counts = slotCounts(table, n);
    const double share = static_cast<double>(table.size()) / static_cast<double>(n);
    for (std::size_t count : counts) {
      CHECK(std::abs(static_cast<double>(count) - share) <= 0.01 * share);
    }
    // Each round hands every backend one slot, so counts differ by at most one (katran's check).
    const auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
    CHECK(*hi - *lo <= 1);
  }
}

TEST_CASE("removing one of n backends moves about 1/n of the slots", "[dataplane][maglev]") {
  for (std::size_t n : {3U, 5U, 10U, 17U, 50U}) {
    INFO("backends: " << n);
    const auto all = backends(n);
    for (std::size_t removed : {std::size_t{0}, n / 2, n - 1}) {
      INFO("removed: " << removed);
      auto rest = all;
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(removed));
      const auto before = ownerKeys(build(all), all);
      const auto after = ownerKeys(build(rest), rest);
      REQUIRE(before.size() == after.size());

      std::size_t moved = 0;
      std::size_t survivorsSlots = 0;
      std::size_t survivorsMoved = 0;
      for (std::size_t i = 0; i < before.size(); ++i) {
        const bool changed = before[i] != after[i];
        moved += changed ? 1U : 0U;
        if (before[i] != all[removed].key) {
          ++survivorsSlots;
          survivorsMoved += changed ? 1U : 0U;
        }
      }
      const double movedFraction = static_cast<double>(moved) / static_cast<double>(before.size());
      const double ideal = 1.0 / static_cast<double>(n);
      // Every slot of the removed backend must move; Maglev moves only a little more.
      CHECK(movedFraction >= ideal - 0.001);
      CHECK(movedFraction <= ideal + 0.02);
      // The remaining backends keep almost all of their slots.
      CHECK(static_cast<double>(survivorsMoved) / static_cast<double>(survivorsSlots) <= 0.02);
    }
  }
}

TEST_CASE("adding a backend takes slots mostly from the others' surplus", "[dataplane][maglev]") {
  const auto before = backends(10);
  const auto after = backends(11);  // same ten plus backend-10
  const auto a = ownerKeys(build(before), before);
  const auto b = ownerKeys(build(after), after);
  std::size_t moved = 0;
  for (std::size_t i = 0; i < a.size(); ++i) moved += a[i] != b[i] ? 1U : 0U;
  const double fraction = static_cast<double>(moved) / static_cast<double>(a.size());
  CHECK(fraction >= 1.0 / 11 - 0.001);
  CHECK(fraction <= 1.0 / 11 + 0.02);
}

TEST_CASE("two builds from the same backends are identical, whatever the order",
          "[dataplane][maglev]") {
  const auto list = backends(7);
  CHECK(build(list) == build(list));  // two MUXes building from one snapshot agree

  auto shuffled = list;
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + 3, shuffled.end());
  CHECK(ownerKeys(build(list), list) == ownerKeys(build(shuffled), shuffled));
}

TEST_CASE("maglev slots are pinned so every build agrees", "[dataplane][maglev]") {
  const auto list = backends(3);
  const MaglevTable table = build(list);
  // Change only on purpose: a different table moves flows between MUX builds.
  const std::vector<std::uint32_t> firstSlots(table.entries().begin(),
                                              table.entries().begin() + 12);
  CHECK(firstSlots == std::vector<std::uint32_t>{2, 1, 2, 0, 1, 1, 1, 2, 2, 1, 2, 0});
}

TEST_CASE("lookup maps a hash to its slot's backend", "[dataplane][maglev]") {
  const auto list = backends(4);
  const MaglevTable table = build(list);
  for (std::uint64_t h : {0ULL, 1ULL, 65536ULL, 65537ULL, 0xFFFFFFFFFFFFFFFFULL}) {
    CHECK(table.lookup(h) == table.entries()[h % table.size()]);
  }
}

TEST_CASE("backends with weight 0 get no slots and an all-zero set is empty",
          "[dataplane][maglev]") {
  auto list = backends(4);
  list[1].weight = 0;
  const auto counts = slotCounts(build(list), 4);
  CHECK(counts[1] == 0);
  CHECK(counts[0] + counts[2] + counts[3] == 65537);

  for (auto& b : list) b.weight = 0;
  const MaglevTable empty = build(list);
  CHECK(empty.empty());
  CHECK(empty.lookup(12345) == MaglevTable::kNoBackend);
  CHECK(build({}).lookup(1) == MaglevTable::kNoBackend);
}

TEST_CASE("weights share slots in proportion", "[dataplane][maglev]") {
  auto list = backends(3);
  list[0].weight = 1;
  list[1].weight = 2;
  list[2].weight = 5;
  const auto counts = slotCounts(build(list), 3);
  const double unit = 65537.0 / 8.0;
  CHECK(std::abs(static_cast<double>(counts[0]) - unit) <= 0.01 * unit);
  CHECK(std::abs(static_cast<double>(counts[1]) - 2 * unit) <= 0.01 * 2 * unit);
  CHECK(std::abs(static_cast<double>(counts[2]) - 5 * unit) <= 0.01 * 5 * unit);

  // Only the ratio matters.
  auto scaled = list;
  for (auto& b : scaled) b.weight *= 10;
  CHECK(build(list) == build(scaled));
}

TEST_CASE("table size is a listed prime of at least 100 slots per backend", "[dataplane][maglev]") {
  for (std::uint32_t size : MaglevTable::kTableSizes) {
    INFO(size);
    CHECK(isPrime(size));
  }
  CHECK(MaglevTable::tableSizeFor(0) == 65537);
  CHECK(MaglevTable::tableSizeFor(655) == 65537);
  CHECK(MaglevTable::tableSizeFor(656) == 131101);
  CHECK(MaglevTable::tableSizeFor(2000) == 262147);
  CHECK(MaglevTable::tableSizeFor(200000) == 0);
  CHECK(build(backends(700)).size() == 131101);

  CHECK(build(backends(3), 251).size() == 251);
  CHECK_FALSE(MaglevTable::build(backends(3), 250));
  CHECK_FALSE(MaglevTable::build(backends(3), 2 /* prime but fewer slots than backends */));
}
