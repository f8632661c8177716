// The control protocol of the data-plane processes (`azlb mux`, `azlb host-agent`):
// newline-delimited JSON over the process's Unix socket. Pure: line framing, request parsing and
// response rendering for both ends; no sockets here (control_server.h, control_client.h).
//
//   manager -> process                      process -> manager
//   {"type":"snapshot", ...toJson(s)}        {"type":"ack","version":N}
//                                            {"type":"error","message":"..."} (previous kept)
//   {"type":"status"}                        {"type":"status","role":..,"index":..,"version":N,
//                                             "appliedVersion":N,"counters":{...}}
//   {"type":"flow","protocol":6,"src":..,    {"type":"flow","pinned":true,"backendKey":N}
//    "srcPort":..,"dst":..,"dstPort":..}      (MUX: its flow-table entry for that 5-tuple)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "emulator/dataplane/flow_key.h"
#include "emulator/runtime/snapshot.h"

namespace azlb::runtime {

/// Largest control line accepted (a snapshot of every rule and VM is one line).
inline constexpr std::size_t kMaxControlLine = std::size_t{64} << 20U;

/// Splits a byte stream into '\n'-terminated lines. Keeps at most `maxLine` bytes of an
/// unterminated line; beyond that overflowed() is true and the connection should be dropped.
class LineBuffer {
 public:
  explicit LineBuffer(std::size_t maxLine = kMaxControlLine) : maxLine_(maxLine) {}

  void append(std::string_view bytes);
  /// The next complete line without its '\n' (and a '\r' before it), if one has arrived.
  std::optional<std::string> next();
  bool overflowed() const { return buffer_.size() - start_ > maxLine_; }
  /// Bytes of the unterminated tail.
  std::size_t pending() const { return buffer_.size() - start_; }

 private:
  std::string buffer_;
  std::size_t start_ = 0;
  std::size_t scanned_ = 0;  // bytes after start_ already known to hold no '\n'
  std::size_t maxLine_;
};

struct SnapshotRequest {
  Snapshot snapshot;
};
struct StatusRequest {};
/// A MUX: which backend its flow table pins this 5-tuple to (`azlb trace`).
struct FlowRequest {
  dataplane::FlowKey key;
};
using ControlRequest = std::variant<SnapshotRequest, StatusRequest, FlowRequest>;

/// Parses one request line. Errors (EINVAL, the context says what is wrong): not JSON, not an
/// object, no string "type", an unknown type, a snapshot that snapshotFromJson() rejects.
/// Never throws.
Result<ControlRequest> parseControlRequest(std::string_view line);

/// One health probe's state as a host agent reports it.
struct ProbeReport {
  std::string key;      // ProbeEntry::key
  bool up = false;      // in rotation
  std::string outcome;  // last attempt: "success", "refused", "timeout", "badStatus", "error", "" (none yet)
  std::string detail;   // e.g. "HTTP 503"
};

/// One (VM, public address) of a host agent's outbound SNAT (dataplane::SnatUsage).
struct SnatReport {
  std::string vm;        // the VM's private address
  std::string frontend;  // the public address
  std::string kind;      // outboundKindName
  std::uint64_t allocated = 0, used = 0, succeeded = 0, failed = 0;
};

/// Traffic through one frontend (host agent): Azure Monitor's ByteCount / PacketCount / SYNCount.
struct TrafficReport {
  std::string frontend;  // the frontend IP
  std::uint16_t port = 0;
  std::string protocol;  // "Tcp" or "Udp"
  std::uint64_t inPackets = 0, inBytes = 0, outPackets = 0, outBytes = 0, syn = 0;
};

/// One network security rule's hits on a host agent (flows it decided).
struct NsgRuleReport {
  std::string group;      // the group's id
  std::string direction;  // "Inbound" or "Outbound"
  std::string rule;
  std::uint64_t hits = 0;
};

/// A process's counters as reported by {"type":"status"}. Every name appears, zeros included.
struct StatusReport {
  std::string role;  // "mux" or "host-agent"
  std::uint32_t index = 0;
  std::uint64_t version = 0;         // last accepted snapshot (0: none yet)
  std::uint64_t appliedVersion = 0;  // the one the forwarding thread uses now
  std::uint64_t rxPackets = 0;       // packets read from the process's TUN devices
  std::uint64_t rxBytes = 0;
  std::uint64_t txPackets = 0;  // packets written back (forwarded)
  std::uint64_t txBytes = 0;
  std::uint64_t flowHits = 0;
  std::uint64_t flowMisses = 0;
  std::uint64_t flows = 0;  // live flow-table entries
  std::vector<std::pair<std::string, std::uint64_t>> drops;  // by dropReasonName() and friends
  std::vector<std::pair<std::string, std::uint64_t>> paths;  // per-path packet counts (host agent)
  std::vector<ProbeReport> probes;                           // host agent: its probes' states
  std::vector<SnatReport> snat;                              // host agent: its VMs' SNAT
  std::vector<TrafficReport> traffic;  // host agent: per frontend and direction
  std::vector<std::string> fastpath;  // host agent: its Fastpath flows ("a:p -> b:q via PA")
  std::vector<NsgRuleReport> nsgRules;  // host agent: every security rule it has compiled
  std::string nsgMode;                  // host agent: "enforce", "warn" or "off"
  /// MUX: its BGP session ("Established, 3 route(s) announced to 100.64.1.1"; "" in static mode)
  std::string bgp;

  std::uint64_t dropped(std::string_view reason) const;
  std::uint64_t droppedTotal() const;
  std::uint64_t path(std::string_view name) const;
};

struct AckResponse {
  std::uint64_t version = 0;
};
struct ErrorResponse {
  std::string message;
};
struct FlowResponse {
  std::optional<std::uint64_t> backendKey;  // dataplane::Backend::key; none: no live entry
};
using ControlResponse = std::variant<AckResponse, ErrorResponse, StatusReport, FlowResponse>;

/// Response lines, each ending in '\n'.
std::string ackLine(std::uint64_t version);
std::string errorLine(std::string_view message);
std::string statusLine(const StatusReport& report);
std::string flowLine(const FlowResponse& response);

/// Request lines for the client side (the manager, tests), each ending in '\n'.
std::string snapshotLine(const Snapshot& snapshot);
std::string statusRequestLine();
std::string flowRequestLine(const dataplane::FlowKey& key);

/// Parses one response line (client side). Errors as parseControlRequest(). Never throws.
Result<ControlResponse> parseControlResponse(std::string_view line);

}  // namespace azlb::runtime
