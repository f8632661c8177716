// The netns tier's main: probe privileges first (skip with AZLB_SKIP_CODE when missing), run
// Catch2, then prove the run left nothing behind: no namespace or link of the test instance.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "netns/cleanup.h"
#include "netns/namespace.h"
#include "tests/netns/test_net.h"
#include "tests/support/netns_privileges.h"

namespace {

// Removes whatever the test instances left and returns how many objects that was.
std::size_t sweep(const char* when) {
  std::size_t found = 0;
  for (const auto* naming : {&azlb::testnet::testNaming(), &azlb::testnet::otherTestNaming()}) {
    auto report = azlb::netns::cleanup(*naming);
    if (!report) {
      std::fprintf(stderr, "netns tier: cleanup %s failed: %s\n", when,
                   report.error().message().c_str());
      ++found;
      continue;
    }
    for (const auto& ns : report->namespaces) {
      std::fprintf(stderr, "netns tier: %s: removed leftover netns %s\n", when, ns.c_str());
    }
    for (const auto& link : report->links) {
      std::fprintf(stderr, "netns tier: %s: removed leftover link %s\n", when, link.c_str());
    }
    for (const auto& failure : report->failures) {
      std::fprintf(stderr, "netns tier: %s: %s\n", when, failure.message().c_str());
    }
    found += report->namespaces.size() + report->links.size() + report->failures.size();
  }
  return found;
}

}  // namespace

int main(int argc, char** argv) {
  azlb::testsupport::requireNetnsPrivileges();
  std::fprintf(stderr, "netns tier: test objects are named %s%s-*\n",
               azlb::testnet::testNaming().prefix().c_str(),
               azlb::testnet::testNaming().instance().c_str());
  if (auto failure = azlb::testnet::claimTestInstance()) {
    std::fprintf(stderr, "netns tier: FAILED: %s\n", failure->c_str());
    return 1;
  }
  // Objects of earlier runs that were killed before their RAII ran (their lock is free now).
  for (const auto& leftover : azlb::testnet::sweepDeadTestRuns()) {
    std::fprintf(stderr, "netns tier: removed %s of a dead test run\n", leftover.c_str());
  }
  (void)sweep("before the run");  // a dead run that happened to have our pid

  int failed = Catch::Session().run(argc, argv);

  // Every test owns its objects through RAII; anything found now is a leak, and a failure.
  if (sweep("after the run") != 0) {
    std::fprintf(stderr, "netns tier: FAILED: tests left kernel objects behind\n");
    failed = failed ? failed : 1;
  }
  auto names = azlb::netns::NetNamespace::list();
  if (names) {
    const std::string ours = azlb::testnet::testNaming().prefix() +
                             azlb::testnet::testNaming().instance() + "-";
    for (const auto& name : *names) {
      if (name.rfind(ours, 0) == 0) {
        std::fprintf(stderr, "netns tier: FAILED: netns %s still listed\n", name.c_str());
        failed = failed ? failed : 1;
      }
    }
  }
  // This run's lock file goes too; the flock itself ends with the process.
  std::remove(("/run/azlb-tests/" + azlb::testnet::testNaming().instance().substr(1) + ".lock")
                  .c_str());
  return failed;
}
