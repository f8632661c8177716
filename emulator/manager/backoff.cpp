#include "emulator/manager/backoff.h"

#include <algorithm>

namespace azlb::manager {

std::chrono::milliseconds Backoff::failed(TimePoint now) {
  delay_ = failures_ == 0 ? policy_.first : std::min(delay_ * 2, policy_.max);
  delay_ = std::min(delay_, policy_.max);
  ++failures_;
  nextAttempt_ = now + delay_;
  return delay_;
}

}  // namespace azlb::manager
