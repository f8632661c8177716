// GET /azlb/trace (and `azlb trace`): parses the question, gathers what only the running system
// knows (the MUX the router's kernel picks for the 5-tuple, through RTM_GETROUTE in the router's
// namespace; the MUXes its route holds; the probes' last outcomes) and lets controller::tracePath
// reason over the current plan. Called on an HTTP thread; touches only its arguments and the
// kernel.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "emulator/controller/plan.h"

namespace azlb::manager {

/// `query`: protocol (tcp|udp, default tcp), destination (IP:PORT), from (IP:PORT, or a VM's
/// name or address with an optional :PORT; default your shell's address on the root link, port
/// 40000).
/// `probes`: the /azlb/probes document. Returns the trace, or {"error": why} for a bad question.
nlohmann::json traceRequest(const controller::Plan& plan, const controller::PlanOptions& options,
                            const std::map<std::string, std::string>& query,
                            const nlohmann::json& probes);

}  // namespace azlb::manager
