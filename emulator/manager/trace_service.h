// GET /azlb/trace (and `azlb trace`): parses the question, gathers what only the running system
// knows (the MUX the router's kernel picks for the 5-tuple, through RTM_GETROUTE in the router's
// namespace; the MUXes its route holds; whether that MUX's flow table already pins the flow; the
// probes' last outcomes) and lets controller::tracePath
// reason over the current plan. Called on an HTTP thread; touches only its arguments and the
// kernel.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "emulator/controller/plan.h"
#include "emulator/dataplane/flow_key.h"

namespace azlb::manager {

/// `query`: protocol (tcp|udp, default tcp), destination (IP:PORT), from (IP:PORT, or a VM's
/// name or address with an optional :PORT; default your shell's address on the root link, port
/// 40000).
/// `probes`: the /azlb/probes document. `askMux(index, key)`: that MUX's flow-table entry for
/// the 5-tuple (Backend::key), nullopt when it has none or does not answer.
/// Returns the trace, or {"error": why} for a bad question.
using MuxFlowLookup =
    std::function<std::optional<std::uint64_t>(std::uint32_t mux, const dataplane::FlowKey& key)>;
nlohmann::json traceRequest(const controller::Plan& plan, const controller::PlanOptions& options,
                            const std::map<std::string, std::string>& query,
                            const nlohmann::json& probes, const MuxFlowLookup& askMux);

}  // namespace azlb::manager
