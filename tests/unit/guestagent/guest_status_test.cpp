// The guest agent's status: life cycle, the workload's report and the user's override.
#include <catch2/catch.hpp>

#include "emulator/guestagent/guest_status.h"

using azlb::guestagent::GuestStatus;
using azlb::guestagent::Lifecycle;
using azlb::guestagent::parseSettableStatus;
using azlb::guestagent::Status;

TEST_CASE("an instance is Starting while its start-up tasks run, whatever else is said",
          "[guestagent]") {
  GuestStatus s(true);
  CHECK(s.effective() == Status::Starting);
  s.force(Status::Ready);
  CHECK(s.effective() == Status::Starting);
  s.setLifecycle(Lifecycle::Running);
  CHECK(s.effective() == Status::Ready);
}

TEST_CASE("setReadyOnProcessStart decides the status until the workload reports",
          "[guestagent]") {
  GuestStatus ready(true), waiting(false);
  ready.setLifecycle(Lifecycle::Running);
  waiting.setLifecycle(Lifecycle::Running);
  CHECK(ready.effective() == Status::Ready);
  CHECK(waiting.effective() == Status::Busy);
  CHECK_FALSE(waiting.reason().empty());
  waiting.setWorkload(true);
  CHECK(waiting.effective() == Status::Ready);
  ready.setWorkload(false);  // SetBusy
  CHECK(ready.effective() == Status::Busy);
}

TEST_CASE("the user's forced status wins over the workload's until cleared", "[guestagent]") {
  GuestStatus s(true);
  s.setLifecycle(Lifecycle::Running);
  s.force(Status::Busy);
  CHECK(s.effective() == Status::Busy);
  CHECK(s.reason().find("forced") != std::string::npos);
  s.setWorkload(true);
  CHECK(s.effective() == Status::Busy);
  s.force(std::nullopt);
  CHECK(s.effective() == Status::Ready);
}

TEST_CASE("a recycling entry point or a failed start-up task keeps the instance Busy with why",
          "[guestagent]") {
  GuestStatus s(true);
  s.setLifecycle(Lifecycle::Recycling, "entry point exited with 3; recycling");
  CHECK(s.effective() == Status::Busy);
  CHECK(s.reason() == "entry point exited with 3; recycling");
  s.setLifecycle(Lifecycle::TaskFailed, "start-up task 1 (false) exited with 1");
  CHECK(s.effective() == Status::Busy);
  s.setLifecycle(Lifecycle::Stopping, "stopping");
  CHECK(s.effective() == Status::Stopping);
}

TEST_CASE("only ready and busy can be set", "[guestagent]") {
  CHECK(parseSettableStatus("READY") == Status::Ready);
  CHECK(parseSettableStatus("busy") == Status::Busy);
  CHECK_FALSE(parseSettableStatus("stopping"));
  CHECK_FALSE(parseSettableStatus(""));
}
