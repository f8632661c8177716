#include "emulator/guestagent/guest_status.h"

#include "common/strings.h"

namespace azlb::guestagent {

const char* toString(Status s) {
  switch (s) {
    case Status::Starting:
      return "Starting";
    case Status::Ready:
      return "Ready";
    case Status::Busy:
      return "Busy";
    case Status::Stopping:
      break;
  }
  return "Stopping";
}

void GuestStatus::setLifecycle(Lifecycle l, std::string reason) {
  lifecycle_ = l;
  lifecycleReason_ = std::move(reason);
}

// Starting and Stopping are the agent's own phases and win over everything; a forced status wins
// over the workload's; an instance whose entry point is down or whose start-up failed is Busy.
Status GuestStatus::effective() const {
  if (lifecycle_ == Lifecycle::Starting) return Status::Starting;
  if (lifecycle_ == Lifecycle::Stopping) return Status::Stopping;
  if (forced_) return *forced_;
  if (lifecycle_ != Lifecycle::Running) return Status::Busy;
  return workloadReady_ ? Status::Ready : Status::Busy;
}

std::string GuestStatus::reason() const {
  if (lifecycle_ == Lifecycle::Starting || lifecycle_ == Lifecycle::Stopping)
    return lifecycleReason_;
  if (forced_) return std::string("forced ") + toString(*forced_) + " by the user";
  if (lifecycle_ != Lifecycle::Running) return lifecycleReason_;
  return workloadReady_ ? "" : "the workload reported busy (or has not reported ready yet)";
}

std::optional<Status> parseSettableStatus(const std::string& word) {
  if (iequals(word, "ready")) return Status::Ready;
  if (iequals(word, "busy")) return Status::Busy;
  return std::nullopt;
}

}  // namespace azlb::guestagent
