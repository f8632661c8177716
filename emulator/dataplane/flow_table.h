// FlowTable: a fixed-capacity map from FlowKey to a per-flow value with per-entry idle timeouts
// and least-recently-used eviction. Everything is allocated in the constructor; lookups and
// inserts on the packet path allocate nothing. Time comes from the caller (`now`), never from a
// clock read here. One table per forwarding thread: not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "emulator/dataplane/counters.h"
#include "emulator/dataplane/flow_key.h"
#include "emulator/dataplane/nanos.h"

namespace azlb::dataplane {

struct FlowTableCounters {
  Counter hits;     ///< find() returned a live entry
  Counter misses;   ///< find() returned nothing (including expired entries)
  Counter inserts;  ///< new entries
  Counter expired;  ///< entries removed because they were idle for their timeout
  Counter evicted;  ///< live entries removed to make room (least recently used first)
};

/// Open addressing (linear probing, at most half full) over entry indices, plus an intrusive
/// doubly-linked LRU list through a preallocated entry array. Removal shifts later probe-chain
/// members back, so there are no tombstones and lookups never degrade.
template <typename Value>
class FlowTable {
 public:
  /// Preallocates `capacity` entries (at least 1) and a bucket array of the next power of two
  /// >= 2 * capacity.
  explicit FlowTable(std::size_t capacity);

  /// The live entry for `key`, refreshed (last seen = now, most recently used); nullptr on a
  /// miss. An entry idle for at least its timeout is removed here and counted expired + miss.
  Value* find(const FlowKey& key, Nanos now);

  /// Inserts or replaces the entry for `key`, with last seen = now and its own idle timeout.
  /// When the table is full, the least recently used entry makes room (counted expired if it was
  /// idle past its timeout, else evicted). Returns the stored value.
  Value& insert(const FlowKey& key, const Value& value, Nanos now, Nanos idleTimeout);

  /// Removes the entry for `key`; false when there was none.
  bool erase(const FlowKey& key);

  /// Removes expired entries, scanning at most `budget` entries from the least recently used
  /// end; returns how many it removed. Call between batches to return idle flows' slots early.
  std::size_t expireIdle(Nanos now, std::size_t budget) {
    return expireIdle(now, budget, [](const FlowKey&, const Value&) {});
  }
  /// The same, calling onExpired(key, value) for each entry just before it is removed (the
  /// host agent sends enableTcpReset's RSTs from there).
  template <typename OnExpired>
  std::size_t expireIdle(Nanos now, std::size_t budget, OnExpired&& onExpired);

  /// The live entry for `key`, or nullptr. Changes nothing (no refresh, no removal, no counter).
  const Value* peek(const FlowKey& key, Nanos now) const {
    const std::uint32_t index = lookup(key, hashFlowKey(key));
    return index == kNil || isExpired(entries_[index], now) ? nullptr : &entries_[index].value;
  }
  bool contains(const FlowKey& key, Nanos now) const { return peek(key, now) != nullptr; }

  /// Calls fn(const FlowKey&, const Value&) for every entry not yet idle, most recently used
  /// first. Changes nothing (no refresh, no removal).
  template <typename Fn>
  void forEachLive(Nanos now, Fn&& fn) const {
    for (std::uint32_t i = head_; i != kNil; i = entries_[i].next)
      if (!isExpired(entries_[i], now)) fn(entries_[i].key, entries_[i].value);
  }

  void clear();
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return entries_.size(); }
  const FlowTableCounters& counters() const { return counters_; }

 private:
  static constexpr std::uint32_t kNil = 0xFFFFFFFFU;

  struct Entry {
    FlowKey key{};
    Value value{};
    std::uint64_t hash = 0;
    std::int64_t lastSeen = 0;
    std::int64_t timeout = 0;
    std::uint32_t prev = kNil;  // towards most recently used
    std::uint32_t next = kNil;  // towards least recently used; free-list link when free
  };

  std::size_t bucketOf(std::uint64_t hash) const { return static_cast<std::size_t>(hash) & mask_; }
  std::uint32_t lookup(const FlowKey& key, std::uint64_t hash) const;
  bool isExpired(const Entry& e, Nanos now) const { return now.count() - e.lastSeen >= e.timeout; }
  void unlink(std::uint32_t index);
  void pushFront(std::uint32_t index);
  void remove(std::uint32_t index);

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> buckets_;
  std::size_t mask_ = 0;
  std::uint32_t head_ = kNil;  // most recently used
  std::uint32_t tail_ = kNil;  // least recently used
  std::uint32_t free_ = kNil;
  std::size_t size_ = 0;
  FlowTableCounters counters_;
};

template <typename Value>
FlowTable<Value>::FlowTable(std::size_t capacity) {
  if (capacity == 0) capacity = 1;
  if (capacity >= kNil) capacity = kNil - 1;
  std::size_t buckets = 2;
  while (buckets < 2 * capacity) buckets *= 2;
  entries_.resize(capacity);
  buckets_.assign(buckets, kNil);
  mask_ = buckets - 1;
  clear();
}

template <typename Value>
void FlowTable<Value>::clear() {
  std::fill(buckets_.begin(), buckets_.end(), kNil);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    entries_[i].prev = kNil;
    entries_[i].next = i + 1 < entries_.size() ? static_cast<std::uint32_t>(i + 1) : kNil;
  }
  free_ = 0;
  head_ = kNil;
  tail_ = kNil;
  size_ = 0;
}

template <typename Value>
std::uint32_t FlowTable<Value>::lookup(const FlowKey& key, std::uint64_t hash) const {
  for (std::size_t b = bucketOf(hash);; b = (b + 1) & mask_) {
    const std::uint32_t index = buckets_[b];
    if (index == kNil) return kNil;
    const Entry& e = entries_[index];
    if (e.hash == hash && e.key == key) return index;
  }
}

template <typename Value>
void FlowTable<Value>::unlink(std::uint32_t index) {
  Entry& e = entries_[index];
  if (e.prev != kNil)
    entries_[e.prev].next = e.next;
  else
    head_ = e.next;
  if (e.next != kNil)
    entries_[e.next].prev = e.prev;
  else
    tail_ = e.prev;
  e.prev = kNil;
  e.next = kNil;
}

template <typename Value>
void FlowTable<Value>::pushFront(std::uint32_t index) {
  Entry& e = entries_[index];
  e.prev = kNil;
  e.next = head_;
  if (head_ != kNil)
    entries_[head_].prev = index;
  else
    tail_ = index;
  head_ = index;
}

template <typename Value>
void FlowTable<Value>::remove(std::uint32_t index) {
  std::size_t hole = bucketOf(entries_[index].hash);
  while (buckets_[hole] != index) hole = (hole + 1) & mask_;
  // Backward-shift deletion: move each later member of the probe chain into the hole unless its
  // home bucket lies cyclically in (hole, j], where it must stay to remain reachable.
  for (std::size_t j = (hole + 1) & mask_; buckets_[j] != kNil; j = (j + 1) & mask_) {
    const std::size_t home = bucketOf(entries_[buckets_[j]].hash);
    const bool homeInRange = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!homeInRange) {
      buckets_[hole] = buckets_[j];
      hole = j;
    }
  }
  buckets_[hole] = kNil;
  unlink(index);
  entries_[index].next = free_;
  free_ = index;
  --size_;
}

template <typename Value>
Value* FlowTable<Value>::find(const FlowKey& key, Nanos now) {
  const std::uint32_t index = lookup(key, hashFlowKey(key));
  if (index == kNil) {
    counters_.misses.add();
    return nullptr;
  }
  Entry& e = entries_[index];
  if (isExpired(e, now)) {
    remove(index);
    counters_.expired.add();
    counters_.misses.add();
    return nullptr;
  }
  e.lastSeen = now.count();
  if (head_ != index) {
    unlink(index);
    pushFront(index);
  }
  counters_.hits.add();
  return &e.value;
}

template <typename Value>
Value& FlowTable<Value>::insert(const FlowKey& key, const Value& value, Nanos now,
                                Nanos idleTimeout) {
  const std::uint64_t hash = hashFlowKey(key);
  std::uint32_t index = lookup(key, hash);
  if (index != kNil) {
    unlink(index);
  } else {
    if (free_ == kNil) {
      const std::uint32_t victim = tail_;
      if (isExpired(entries_[victim], now))
        counters_.expired.add();
      else
        counters_.evicted.add();
      remove(victim);
    }
    index = free_;
    free_ = entries_[index].next;
    std::size_t b = bucketOf(hash);
    while (buckets_[b] != kNil) b = (b + 1) & mask_;
    buckets_[b] = index;
    ++size_;
    counters_.inserts.add();
  }
  Entry& e = entries_[index];
  e.key = key;
  e.value = value;
  e.hash = hash;
  e.lastSeen = now.count();
  e.timeout = idleTimeout.count();
  pushFront(index);
  return e.value;
}

template <typename Value>
bool FlowTable<Value>::erase(const FlowKey& key) {
  const std::uint32_t index = lookup(key, hashFlowKey(key));
  if (index == kNil) return false;
  remove(index);
  return true;
}

template <typename Value>
template <typename OnExpired>
std::size_t FlowTable<Value>::expireIdle(Nanos now, std::size_t budget, OnExpired&& onExpired) {
  std::size_t removed = 0;
  std::uint32_t index = tail_;
  for (std::size_t scanned = 0; scanned < budget && index != kNil; ++scanned) {
    const std::uint32_t towardsHead = entries_[index].prev;
    if (isExpired(entries_[index], now)) {
      onExpired(std::as_const(entries_[index].key), std::as_const(entries_[index].value));
      remove(index);
      counters_.expired.add();
      ++removed;
    }
    index = towardsHead;
  }
  return removed;
}

}  // namespace azlb::dataplane
