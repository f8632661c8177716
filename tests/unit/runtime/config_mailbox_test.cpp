// ConfigMailbox: the single-slot hand-over of snapshots to the forwarding thread.
#include "emulator/runtime/config_mailbox.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using azlb::runtime::ConfigMailbox;

namespace {

struct Tracked {
  explicit Tracked(int v, std::atomic<int>* alive) : value(v), alive_(alive) { ++*alive_; }
  ~Tracked() { --*alive_; }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  int value;
  std::atomic<int>* alive_;
};

}  // namespace

TEST_CASE("take returns nothing until something is posted, then the newest once", "[runtime][mailbox]") {
  std::atomic<int> alive{0};
  ConfigMailbox<Tracked> box;
  CHECK(box.take() == nullptr);
  box.post(std::make_shared<const Tracked>(1, &alive));
  box.post(std::make_shared<const Tracked>(2, &alive));  // replaces the unread 1
  CHECK(alive == 1);
  auto taken = box.take();
  REQUIRE(taken);
  CHECK(taken->value == 2);
  CHECK(box.take() == nullptr);
}

TEST_CASE("retired snapshots die on reclaim, not on the forwarding thread", "[runtime][mailbox]") {
  std::atomic<int> alive{0};
  ConfigMailbox<Tracked> box;
  box.post(std::make_shared<const Tracked>(1, &alive));
  auto current = box.take();
  box.post(std::make_shared<const Tracked>(2, &alive));
  auto next = box.take();
  box.retire(std::exchange(current, next));
  next.reset();
  CHECK(alive == 2);  // the retired one is still held by the mailbox
  box.reclaim();
  CHECK(alive == 1);
}

TEST_CASE("waitTaken returns once the forwarding thread has taken the ticket", "[runtime][mailbox]") {
  std::atomic<int> alive{0};
  ConfigMailbox<Tracked> box;
  std::atomic<bool> stop{false};
  std::atomic<int> seen{0};
  std::thread forwarding([&] {
    std::shared_ptr<const Tracked> current;
    while (!stop) {
      if (auto next = box.take()) {
        seen = next->value;
        box.retire(std::exchange(current, std::move(next)));
      }
      std::this_thread::yield();
    }
  });
  for (int i = 1; i <= 50; ++i) {
    const auto ticket = box.post(std::make_shared<const Tracked>(i, &alive));
    REQUIRE(box.waitTaken(ticket, std::chrono::seconds(10)));
    box.reclaim();
  }
  stop = true;
  forwarding.join();
  box.reclaim();
  CHECK(seen == 50);
}

TEST_CASE("waitTaken times out when nobody takes", "[runtime][mailbox]") {
  std::atomic<int> alive{0};
  ConfigMailbox<Tracked> box;
  const auto ticket = box.post(std::make_shared<const Tracked>(1, &alive));
  CHECK_FALSE(box.waitTaken(ticket, std::chrono::milliseconds(1)));
}
