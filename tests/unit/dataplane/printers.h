// Catch2 printers for data-plane values, so failed checks show verdicts as text. Test-only.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "emulator/dataplane/verdict.h"

namespace azlb::testing {

inline std::string describe(const dataplane::Verdict& v) {
  if (v.isDrop()) return "Drop(" + std::string(dataplane::dropReasonName(v.reason)) + ")";
  return std::string("Forward(") +
         (v.egress == dataplane::Egress::Underlay ? "Underlay" : "Backend") + ", " +
         v.nextHop.toString() + ")";
}

}  // namespace azlb::testing

namespace Catch {
template <>
struct StringMaker<azlb::dataplane::Verdict> {
  static std::string convert(const azlb::dataplane::Verdict& v) {
    return azlb::testing::describe(v);
  }
};
template <>
struct StringMaker<azlb::dataplane::DropReason> {
  static std::string convert(azlb::dataplane::DropReason r) {
    return std::string(azlb::dataplane::dropReasonName(r));
  }
};
template <>
struct StringMaker<azlb::dataplane::Ipv4Address> {
  static std::string convert(azlb::dataplane::Ipv4Address a) { return a.toString(); }
};
}  // namespace Catch
