// `azlb trace`: why a packet goes where it goes. Given a plan (the snapshots every MUX and host
// agent forwards with) and what only the running system knows (which MUX the router's kernel
// hash picks, whether a MUX's flow table already pins the flow, the probes' last outcomes), it
// says tier by tier what azlb does with the first packet of a flow: the router's ECMP choice, the
// rule, the distribution mode and its hash input, the Maglev slot and backend, the backends
// skipped and why, the host and VM, the NAT, the return path; for a VM as the source, VNet
// delivery, an internal load balancer, or outbound SNAT (and Fastpath). Pure: the manager
// gathers the live facts (trace_service in manager/) and calls this.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "emulator/controller/plan.h"
#include "emulator/dataplane/ipv4_address.h"

namespace azlb::controller {

struct TraceQuery {
  std::uint8_t protocol = 6;  // 6 TCP, 17 UDP
  dataplane::Ipv4Address src{}, dst{};
  std::uint16_t srcPort = 0, dstPort = 0;
  std::string fromVm;  // VmPlan id when the source is one of the VMs ("" : a client outside)
};

/// What the running data plane says.
struct TraceFacts {
  std::optional<std::uint32_t> routerMux;      // the MUX the router's kernel picks for the 5-tuple
  std::vector<std::uint32_t> muxesUp;          // the MUXes the router's route holds
  std::optional<std::uint64_t> pinnedBackend;  // that MUX's flow-table entry: Backend::key
  std::map<std::string, std::string> probeOutcome;  // probe key -> last outcome ("refused", ...)
  std::string routerError;  // why the router's kernel could not be asked ("" : it was)
};

/// {"query": ..., "steps": [{"tier", "summary", ...details}], "verdict": "delivered"|"dropped",
///  "backend": {...} when delivered to a VM}. Never throws.
nlohmann::json tracePath(const Plan& plan, const TraceQuery& query, const TraceFacts& facts);

}  // namespace azlb::controller
