#include "emulator/runtime/control_protocol.h"

#include <cerrno>

#include <nlohmann/json.hpp>

namespace azlb::runtime {

using nlohmann::json;

void LineBuffer::append(std::string_view bytes) {
  // Compact once the consumed front outweighs what is left, so the buffer stays O(line).
  if (start_ > 0 && start_ >= buffer_.size() - start_) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<std::string> LineBuffer::next() {
  const std::size_t from = start_ + scanned_;
  const std::size_t nl = buffer_.find('\n', from);
  if (nl == std::string::npos) {
    scanned_ = buffer_.size() - start_;
    return std::nullopt;
  }
  std::size_t end = nl;
  if (end > start_ && buffer_[end - 1] == '\r') --end;
  std::string line = buffer_.substr(start_, end - start_);
  start_ = nl + 1;
  scanned_ = 0;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  return line;
}

namespace {

Result<json> parseObject(std::string_view line, const char* what) {
  json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(std::string(what) + ": not JSON", EINVAL);
  if (!j.is_object()) return fail(std::string(what) + ": not a JSON object", EINVAL);
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) {
    return fail(std::string(what) + ": no string \"type\"", EINVAL);
  }
  return j;
}

std::uint64_t lookup(const std::vector<std::pair<std::string, std::uint64_t>>& list,
                     std::string_view name) {
  for (const auto& [key, value] : list) {
    if (key == name) return value;
  }
  return 0;
}

Result<std::vector<std::pair<std::string, std::uint64_t>>> countsFrom(const json& j,
                                                                      const char* field) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  auto it = j.find(field);
  if (it == j.end()) return out;
  if (!it->is_object()) {
    return fail(std::string("status: counters.") + field + " is not an object", EINVAL);
  }
  for (const auto& [key, value] : it->items()) {
    if (!value.is_number_unsigned()) {
      return fail(std::string("status: counters.") + field + "." + key + " is not a count", EINVAL);
    }
    out.emplace_back(key, value.get<std::uint64_t>());
  }
  return out;
}

Result<ControlRequest> flowRequestFrom(const json& j) {
  auto address = [&](const char* field) -> std::optional<dataplane::Ipv4Address> {
    auto it = j.find(field);
    return it != j.end() && it->is_string() ? dataplane::Ipv4Address::parse(it->get<std::string>())
                                            : std::nullopt;
  };
  auto number = [&](const char* field, unsigned max) -> std::optional<unsigned> {
    auto it = j.find(field);
    if (it == j.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() > max) return std::nullopt;
    return it->get<unsigned>();
  };
  const auto src = address("src"), dst = address("dst");
  const auto protocol = number("protocol", 255), srcPort = number("srcPort", 65535),
             dstPort = number("dstPort", 65535);
  if (!src || !dst || !protocol || !srcPort || !dstPort)
    return fail("flow: needs IPv4 \"src\" and \"dst\", \"protocol\" 0-255, \"srcPort\" and \"dstPort\" 0-65535",
                EINVAL);
  return ControlRequest{FlowRequest{dataplane::FlowKey{*src, *dst, static_cast<std::uint16_t>(*srcPort),
                                                       static_cast<std::uint16_t>(*dstPort),
                                                       static_cast<std::uint8_t>(*protocol)}}};
}

}  // namespace

Result<ControlRequest> parseControlRequest(std::string_view line) {
  try {
    auto j = parseObject(line, "control request");
    if (!j) return unexpected(j.error());
    const std::string type = (*j)["type"].get<std::string>();
    if (type == "status") return ControlRequest{StatusRequest{}};
    if (type == "flow") return flowRequestFrom(*j);
    if (type == "snapshot") {
      auto snapshot = snapshotFromJson(*j);
      if (!snapshot) return fail(snapshot.error().message(), EINVAL);
      return ControlRequest{SnapshotRequest{std::move(*snapshot)}};
    }
    return fail("control request: unknown type \"" + type + "\" (expected snapshot, status or flow)",
                EINVAL);
  } catch (const std::exception& e) {  // bad_alloc and friends: never cross the boundary
    return fail(std::string("control request: ") + e.what(), EINVAL);
  }
}

std::uint64_t StatusReport::dropped(std::string_view reason) const { return lookup(drops, reason); }

std::uint64_t StatusReport::droppedTotal() const {
  std::uint64_t total = 0;
  for (const auto& entry : drops) total += entry.second;
  return total;
}

std::uint64_t StatusReport::path(std::string_view name) const { return lookup(paths, name); }

std::string ackLine(std::uint64_t version) {
  return json{{"type", "ack"}, {"version", version}}.dump() + "\n";
}

std::string errorLine(std::string_view message) {
  // Replace invalid UTF-8 (an errno text or a path could carry some) instead of throwing.
  return json{{"type", "error"}, {"message", std::string(message)}}.dump(
             -1, ' ', false, json::error_handler_t::replace) +
         "\n";
}

std::string statusLine(const StatusReport& r) {
  json drops = json::object();
  for (const auto& [name, count] : r.drops) drops[name] = count;
  json paths = json::object();
  for (const auto& [name, count] : r.paths) paths[name] = count;
  json counters = {{"rxPackets", r.rxPackets}, {"rxBytes", r.rxBytes},
                   {"txPackets", r.txPackets}, {"txBytes", r.txBytes},
                   {"flowHits", r.flowHits},   {"flowMisses", r.flowMisses},
                   {"flows", r.flows},         {"drops", drops},
                   {"paths", paths}};
  json probes = json::array();
  for (const auto& p : r.probes)
    probes.push_back({{"key", p.key}, {"up", p.up}, {"outcome", p.outcome}, {"detail", p.detail}});
  json snat = json::array();
  for (const auto& u : r.snat)
    snat.push_back({{"vm", u.vm}, {"frontend", u.frontend}, {"kind", u.kind}, {"allocated", u.allocated},
                    {"used", u.used}, {"succeeded", u.succeeded}, {"failed", u.failed}});
  json traffic = json::array();
  for (const auto& t : r.traffic)
    traffic.push_back({{"frontend", t.frontend}, {"port", t.port}, {"protocol", t.protocol},
                       {"inPackets", t.inPackets}, {"inBytes", t.inBytes},
                       {"outPackets", t.outPackets}, {"outBytes", t.outBytes}, {"syn", t.syn}});
  json nsg = json::array();
  for (const auto& n : r.nsgRules)
    nsg.push_back({{"group", n.group}, {"direction", n.direction}, {"rule", n.rule}, {"hits", n.hits}});
  return json{{"type", "status"},
              {"role", r.role},
              {"nsgMode", r.nsgMode},
              {"nsgRules", nsg},
              {"index", r.index},
              {"version", r.version},
              {"appliedVersion", r.appliedVersion},
              {"counters", counters},
              {"probes", probes},
              {"snat", snat},
              {"fastpath", r.fastpath},
              {"bgp", r.bgp},
              {"traffic", traffic}}
             .dump(-1, ' ', false, json::error_handler_t::replace) +
         "\n";
}

std::string snapshotLine(const Snapshot& snapshot) {
  return toJson(snapshot).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string statusRequestLine() { return "{\"type\":\"status\"}\n"; }

std::string flowRequestLine(const dataplane::FlowKey& key) {
  return json{{"type", "flow"},           {"protocol", key.protocol},
              {"src", key.srcIp.toString()}, {"srcPort", key.srcPort},
              {"dst", key.dstIp.toString()}, {"dstPort", key.dstPort}}
             .dump() +
         "\n";
}

std::string flowLine(const FlowResponse& response) {
  json j = {{"type", "flow"}, {"pinned", response.backendKey.has_value()}};
  if (response.backendKey) j["backendKey"] = *response.backendKey;
  return j.dump() + "\n";
}

Result<ControlResponse> parseControlResponse(std::string_view line) {
  try {
    auto parsed = parseObject(line, "control response");
    if (!parsed) return unexpected(parsed.error());
    const json& j = *parsed;
    const std::string type = j["type"].get<std::string>();
    if (type == "ack") {
      auto v = j.find("version");
      if (v == j.end() || !v->is_number_unsigned()) {
        return fail("ack: no unsigned \"version\"", EINVAL);
      }
      return ControlResponse{AckResponse{v->get<std::uint64_t>()}};
    }
    if (type == "error") {
      auto m = j.find("message");
      if (m == j.end() || !m->is_string()) return fail("error: no string \"message\"", EINVAL);
      return ControlResponse{ErrorResponse{m->get<std::string>()}};
    }
    if (type == "status") {
      StatusReport r;
      r.role = j.value("role", "");
      r.index = j.value("index", 0U);
      r.version = j.value("version", std::uint64_t{0});
      r.appliedVersion = j.value("appliedVersion", std::uint64_t{0});
      auto c = j.find("counters");
      if (c == j.end() || !c->is_object()) return fail("status: no \"counters\" object", EINVAL);
      r.rxPackets = c->value("rxPackets", std::uint64_t{0});
      r.rxBytes = c->value("rxBytes", std::uint64_t{0});
      r.txPackets = c->value("txPackets", std::uint64_t{0});
      r.txBytes = c->value("txBytes", std::uint64_t{0});
      r.flowHits = c->value("flowHits", std::uint64_t{0});
      r.flowMisses = c->value("flowMisses", std::uint64_t{0});
      r.flows = c->value("flows", std::uint64_t{0});
      auto drops = countsFrom(*c, "drops");
      if (!drops) return unexpected(drops.error());
      r.drops = std::move(*drops);
      auto paths = countsFrom(*c, "paths");
      if (!paths) return unexpected(paths.error());
      r.paths = std::move(*paths);
      auto probes = j.find("probes");
      if (probes != j.end()) {
        if (!probes->is_array()) return fail("status: \"probes\" is not an array", EINVAL);
        for (const auto& p : *probes) {
          r.probes.push_back(ProbeReport{p.at("key").get<std::string>(), p.at("up").get<bool>(),
                                         p.value("outcome", ""), p.value("detail", "")});
        }
      }
      for (const auto& u : j.value("snat", json::array()))
        r.snat.push_back({u.at("vm").get<std::string>(), u.at("frontend").get<std::string>(),
                          u.value("kind", ""), u.value("allocated", std::uint64_t{0}),
                          u.value("used", std::uint64_t{0}), u.value("succeeded", std::uint64_t{0}),
                          u.value("failed", std::uint64_t{0})});
      for (const auto& f : j.value("fastpath", json::array())) r.fastpath.push_back(f.get<std::string>());
      r.bgp = j.value("bgp", "");
      r.nsgMode = j.value("nsgMode", "");
      for (const auto& n : j.value("nsgRules", json::array()))
        r.nsgRules.push_back({n.at("group").get<std::string>(), n.value("direction", ""), n.value("rule", ""),
                              n.value("hits", std::uint64_t{0})});
      for (const auto& t : j.value("traffic", json::array()))
        r.traffic.push_back({t.at("frontend").get<std::string>(), t.value("port", std::uint16_t{0}),
                             t.value("protocol", ""), t.value("inPackets", std::uint64_t{0}),
                             t.value("inBytes", std::uint64_t{0}), t.value("outPackets", std::uint64_t{0}),
                             t.value("outBytes", std::uint64_t{0}), t.value("syn", std::uint64_t{0})});
      return ControlResponse{std::move(r)};
    }
    if (type == "flow") {
      FlowResponse r;
      if (j.value("pinned", false)) r.backendKey = j.at("backendKey").get<std::uint64_t>();
      return ControlResponse{r};
    }
    return fail("control response: unknown type \"" + type + "\"", EINVAL);
  } catch (const std::exception& e) {  // a wrongly typed field (json::type_error) lands here
    return fail(std::string("control response: ") + e.what(), EINVAL);
  }
}

}  // namespace azlb::runtime
