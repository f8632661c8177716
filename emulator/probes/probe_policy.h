// Health-probe policy, pure: an ARM probe's properties -> what to send and how often (with the
// CI time scale), and the per-(probe, backend) state machine that turns attempt outcomes into
// "in rotation" or not, as Azure Load Balancer documents it. No sockets, no clock of its own.
// The sockets are in probe_attempt.h (one attempt) and probe_runner.h (scheduling).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "common/result.h"

namespace azlb::probes {

using Clock = std::chrono::steady_clock;

enum class Protocol : std::uint8_t { Tcp, Http, Https };

struct Spec {
  Protocol protocol = Protocol::Tcp;
  std::uint16_t port = 0;
  std::string requestPath = "/";
  std::chrono::milliseconds interval{15000};
  /// Consecutive failed attempts that take an up backend out of rotation (probeThreshold, else
  /// the legacy numberOfProbes).
  std::uint32_t threshold = 1;
  /// One attempt's limit: the interval (a Tcp probe unanswered by the next one failed), capped
  /// at 30 s for Http(s) as Azure does.
  std::chrono::milliseconds timeout{15000};
  /// Until the backend's first pass, attempts come this often when it is shorter than the
  /// interval (0 = the interval). azlb's own `azlbStartupIntervalInSeconds`, set for cloud-service
  /// instances: their program is still starting when the first probe goes out, and Azure's fabric
  /// only starts probing an instance once its role has started.
  std::chrono::milliseconds startupInterval{0};

  friend bool operator==(const Spec&, const Spec&) = default;
};

/// From an ARM probe's `properties`. Defaults as in the ARM API: intervalInSeconds 15;
/// probeThreshold when present, else numberOfProbes (default 2, the API's), as the count of
/// consecutive failures; requestPath "/" for Http(s). `timeScale` (0 < s <= 1) multiplies the
/// interval and the timeout. Errors (EINVAL) name the property.
Result<Spec> specFromArm(const nlohmann::json& properties, double timeScale);

enum class Outcome : std::uint8_t { None, Success, Refused, Timeout, BadStatus, Error };
std::string_view outcomeName(Outcome outcome);

/// One (probe, backend) pair. Starts out of rotation with an attempt due at once (a backend
/// gets new flows only after a probe passed). Rules:
///  - out -> in after `needed` consecutive successes: 1, but a backend that went out of rotation
///    twice or more within the last 10 intervals (flapping) needs 2, doubling with every further
///    such fall, at most 8;
///  - in -> out after `threshold` consecutive failures, or at once on Refused (a reset) or
///    BadStatus (any HTTP status but 200);
///  - the next attempt is due one interval after the previous one started (one startupInterval
///    while the backend has never been up).
class State {
 public:
  State(Spec spec, Clock::time_point now) : spec_(std::move(spec)), nextDue_(now) {}

  const Spec& spec() const { return spec_; }
  bool up() const { return up_; }
  Clock::time_point nextDue() const { return nextDue_; }
  /// Call when an attempt starts (schedules the next one).
  void started(Clock::time_point now) {
    const bool starting = !everUp_ && spec_.startupInterval.count() > 0;
    nextDue_ = now + (starting ? std::min(spec_.startupInterval, spec_.interval) : spec_.interval);
  }
  /// Records an attempt's result; true when up() changed.
  bool record(Outcome outcome, std::string detail, Clock::time_point now);

  Outcome lastOutcome() const { return last_; }
  const std::string& lastDetail() const { return detail_; }
  std::uint32_t consecutiveSuccesses() const { return successes_; }
  std::uint32_t consecutiveFailures() const { return failures_; }
  std::uint32_t successesNeeded() const;
  std::uint64_t transitions() const { return transitions_; }

 private:
  Spec spec_;
  Clock::time_point nextDue_;
  bool up_ = false;
  bool everUp_ = false;
  Outcome last_ = Outcome::None;
  std::string detail_;
  std::uint32_t successes_ = 0;
  std::uint32_t failures_ = 0;
  std::uint64_t transitions_ = 0;
  std::deque<Clock::time_point> falls_;  // when it went out of rotation, recent first dropped
  Clock::time_point lastNow_{};
};

}  // namespace azlb::probes
