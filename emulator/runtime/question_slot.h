// QuestionSlot: one question at a time from the control thread to the forwarding thread, which
// owns the tables the answer needs (a MUX's flow table, for `azlb trace`). The forwarding thread
// checks it between batches with one atomic load; it takes the lock only when asked. Same shape
// as ConfigMailbox (config_mailbox.h), the other way round: the control thread waits, with a
// deadline, for the answer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>

namespace azlb::runtime {

template <typename Question, typename Answer>
class QuestionSlot {
 public:
  /// Control thread: poses `q` (replacing one not answered yet) and returns its ticket for
  /// waitAnswer(). Wake the forwarding thread after this, or it answers at its next tick.
  std::uint64_t ask(Question q) {
    std::lock_guard lock(mutex_);
    question_ = std::move(q);
    const std::uint64_t ticket = asked_.load(std::memory_order_relaxed) + 1;
    asked_.store(ticket, std::memory_order_release);
    return ticket;
  }

  /// Forwarding thread, between batches: when a question is waiting, answers it with
  /// `answer(const Question&) -> Answer`. Lock-free unless asked.
  template <typename Fn>
  void serve(Fn&& answer) {
    const std::uint64_t asked = asked_.load(std::memory_order_acquire);
    if (asked == served_) return;
    {
      std::lock_guard lock(mutex_);
      served_ = asked_.load(std::memory_order_relaxed);
      answer_ = answer(std::as_const(question_));
      answered_ = served_;
    }
    changed_.notify_all();
  }

  /// Control thread: the answer to question `ticket`, or nullopt when none came within `timeout`
  /// (the forwarding thread is stuck or gone) or a later question replaced it.
  std::optional<Answer> waitAnswer(std::uint64_t ticket, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return answered_ >= ticket; })) return std::nullopt;
    if (answered_ != ticket) return std::nullopt;
    return answer_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  Question question_{};  // under mutex_
  Answer answer_{};      // under mutex_
  std::atomic<std::uint64_t> asked_{0};
  std::uint64_t served_ = 0;    // forwarding thread only
  std::uint64_t answered_ = 0;  // under mutex_
};

}  // namespace azlb::runtime
