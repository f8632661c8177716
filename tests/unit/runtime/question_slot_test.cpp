// QuestionSlot: one question at a time to the forwarding thread, answered between batches.
#include "emulator/runtime/question_slot.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using azlb::runtime::QuestionSlot;
using namespace std::chrono_literals;

TEST_CASE("the forwarding thread answers only when asked, once per question", "[runtime][question]") {
  QuestionSlot<int, int> slot;
  int calls = 0;
  auto twice = [&](const int& q) { return ++calls, q * 2; };
  slot.serve(twice);
  CHECK(calls == 0);  // nobody asked
  const auto ticket = slot.ask(21);
  slot.serve(twice);
  slot.serve(twice);
  CHECK(calls == 1);
  CHECK(slot.waitAnswer(ticket, 0ms) == 42);
}

TEST_CASE("a question nobody serves times out; a replaced one gets no answer", "[runtime][question]") {
  QuestionSlot<int, int> slot;
  const auto first = slot.ask(1);
  CHECK_FALSE(slot.waitAnswer(first, 20ms));
  const auto second = slot.ask(2);
  slot.serve([](const int& q) { return q + 100; });
  CHECK_FALSE(slot.waitAnswer(first, 0ms));  // answered was question 2, not 1
  CHECK(slot.waitAnswer(second, 0ms) == 102);
}

TEST_CASE("a forwarding thread serving between batches answers a waiting control thread", "[runtime][question]") {
  QuestionSlot<int, int> slot;
  std::atomic<bool> stop{false};
  std::thread forwarding([&] {
    while (!stop.load()) {
      slot.serve([](const int& q) { return -q; });
      std::this_thread::yield();  // a batch
    }
  });
  for (int q = 1; q <= 100; ++q) CHECK(slot.waitAnswer(slot.ask(q), 5s) == -q);
  stop = true;
  forwarding.join();
}
