// Small helpers the compiler passes share: the stable hash and number
// picker behind Assignments, underlay address text, and netns names. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "common/strings.h"
#include "emulator/controller/plan.h"

namespace azlb::controller::passes {

// ARM ids compare case-insensitively: every map keyed by an id uses toLower(id) (common/strings.h).
/// FNV-1a: the stable hash behind host placement and number picking.
std::uint64_t fnv(const std::string& s);

/// Picks a free number near hash(id) in [lo, hi], honouring a previous choice; 0 when full.
std::uint32_t pick(const std::string& id, std::uint32_t lo, std::uint32_t hi,
                   std::set<std::uint32_t>& used,
                   const std::map<std::string, std::uint32_t>& previous);

/// The MUX and host counts the plan builds (1..60 each).
std::uint32_t muxCount(const PlanOptions& o);
std::uint32_t hostCount(const PlanOptions& o);

std::string ip4(std::uint8_t a, std::uint8_t b, std::uint32_t c, std::uint32_t d);
netns_model::Ipv4Prefix prefix(const std::string& text);  // 0.0.0.0/0 when malformed
netns_model::Ipv4Address addr(const std::string& text);   // 0.0.0.0 when malformed

/// An ARM idleTimeoutInMinutes times the plan's scale (serve --idle-timeout-scale), at least 1 ms.
std::chrono::milliseconds scaledIdleTimeout(int minutes, double scale);

netns_model::Naming naming(const PlanOptions& o);
std::string name(const netns_model::Naming& n, netns_model::Role r, std::uint32_t i = 0);

}  // namespace azlb::controller::passes
