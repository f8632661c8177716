// Retry spacing for failed reconciles: exponential and capped (by default 200 ms, doubling per
// consecutive failure, at most 10 s), reset by a success. Pure: the caller passes the time, so a
// test drives it with a fake clock.
#pragma once

#include <chrono>

namespace azlb::manager {

struct BackoffPolicy {
  std::chrono::milliseconds first{200};
  std::chrono::milliseconds max{10'000};
};

class Backoff {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit Backoff(BackoffPolicy policy = {}) : policy_(policy) {}

  /// Records a failure at `now` and returns how long to wait before the next attempt: `first`
  /// after one failure, doubled for each further consecutive one, never more than `max`.
  std::chrono::milliseconds failed(TimePoint now);
  /// Forgets the failures: the next failure waits `first` again.
  void succeeded() { failures_ = 0; }

  bool failing() const { return failures_ != 0; }
  /// True when not failing, or when the wait after the last failure has passed.
  bool due(TimePoint now) const { return !failing() || now >= nextAttempt_; }
  /// When the next attempt is due (meaningful while failing()).
  TimePoint nextAttempt() const { return nextAttempt_; }
  /// Consecutive failures so far.
  unsigned failures() const { return failures_; }
  /// The wait chosen after the last failure.
  std::chrono::milliseconds delay() const { return delay_; }

 private:
  BackoffPolicy policy_;
  unsigned failures_ = 0;
  std::chrono::milliseconds delay_{0};
  TimePoint nextAttempt_{};
};

}  // namespace azlb::manager
