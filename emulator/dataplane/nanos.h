// Nanos: the data plane's time type. Time is always passed in by the caller; nothing here reads
// a clock, so tests drive expiry with plain numbers.
#pragma once

#include <chrono>

namespace azlb::dataplane {

/// Monotonic time in nanoseconds since an arbitrary epoch (the runtime passes
/// steady_clock::now().time_since_epoch() once per batch; tests pass a fake).
using Nanos = std::chrono::nanoseconds;

}  // namespace azlb::dataplane
