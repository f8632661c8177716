// The golden packet table's checks (tests/fixtures/packets/golden_cases.h), shared by its
// runners: the unit tier (pure forwarders) and the netns tier (the same forwarders behind the
// runtime's packet pump and real TUN devices). Catch2 assertions; test-only.
#pragma once

#include <catch2/catch.hpp>

#include "emulator/dataplane/verdict.h"
#include "tests/fixtures/packets/golden_cases.h"
#include "tests/unit/dataplane/packet_builder.h"
#include "tests/unit/dataplane/printers.h"

namespace azlb::testing::golden {

/// A forwarding case's input and expected output must themselves carry valid checksums, so a
/// bad expectation cannot pass against a forwarder that writes the same bad bytes.
inline void requireWellFormed(const GoldenCase& c) {
  if (!c.expect.isForward()) return;
  REQUIRE(checkChecksums(c.input).empty());
  REQUIRE(checkChecksums(c.output).empty());
}

/// What the forwarder decided for `c.input`, and (after a Forward verdict) the packet it wrote.
inline void checkOutcome(const GoldenCase& c, const dataplane::Verdict& verdict, const Bytes& out) {
  CHECK(verdict == c.expect);
  if (c.expect.isForward() && verdict.isForward()) {
    CHECK(hex(out) == hex(c.output));
    // Independently of the expected bytes: every checksum of what leaves verifies.
    CHECK(checkChecksums(out) == "");
  }
}

}  // namespace azlb::testing::golden
