// A role instance's status as Azure's guest agent reports it (Ready, Busy, Starting, Stopping)
// and why, from three inputs: the instance's life cycle (start-up tasks running, entry point
// running or recycling, a failed start-up task, stopping), what the workload said
// (RoleEnvironment.StatusCheck / SetBusy: ready or busy) and what the user forced with
// `azlb cloud-service instance ... busy|ready` (until `auto`). Pure: no clock, no I/O.
#pragma once

#include <optional>
#include <string>

namespace azlb::guestagent {

enum class Status { Starting, Ready, Busy, Stopping };
const char* toString(Status s);  // "Starting", "Ready", "Busy", "Stopping"

enum class Lifecycle {
  Starting,    // start-up tasks running
  Running,     // entry point running (or the role has none)
  Recycling,   // the entry point exited; it is restarted
  TaskFailed,  // a simple start-up task failed: the instance stays out
  Stopping,
};

class GuestStatus {
 public:
  /// `readyOnStart`: setReadyOnProcessStart (or no entry point): Running means Ready until the
  /// workload says otherwise. Otherwise the instance is Busy until the workload reports ready.
  explicit GuestStatus(bool readyOnStart) : workloadReady_(readyOnStart) {}

  void setLifecycle(Lifecycle l, std::string reason = {});
  /// The workload's own report (reset to readyOnStart when the entry point restarts).
  void setWorkload(bool ready) { workloadReady_ = ready; }
  /// The user's override; nullopt clears it.
  void force(std::optional<Status> s) { forced_ = s; }

  Status effective() const;
  std::string reason() const;
  std::optional<Status> forced() const { return forced_; }
  Lifecycle lifecycle() const { return lifecycle_; }

 private:
  Lifecycle lifecycle_ = Lifecycle::Starting;
  std::string lifecycleReason_;
  bool workloadReady_;
  std::optional<Status> forced_;
};

/// "ready" / "busy" (any case) -> Ready / Busy; nullopt for anything else.
std::optional<Status> parseSettableStatus(const std::string& word);

}  // namespace azlb::guestagent
