// The control protocol: line framing, request parsing, and response rendering/parsing.
#include "emulator/runtime/control_protocol.h"

#include <catch2/catch.hpp>

#include <string>
#include <variant>

using namespace azlb::runtime;

TEST_CASE("LineBuffer yields complete lines only, across arbitrary chunks", "[runtime][control]") {
  LineBuffer lines;
  lines.append("{\"type\":");
  CHECK_FALSE(lines.next());
  lines.append("\"status\"}\n{\"ty");
  auto first = lines.next();
  REQUIRE(first);
  CHECK(*first == "{\"type\":\"status\"}");
  CHECK_FALSE(lines.next());
  lines.append("pe\":\"x\"}\r\n\n");
  auto second = lines.next();
  REQUIRE(second);
  CHECK(*second == "{\"type\":\"x\"}");  // a CR before the LF is dropped
  auto empty = lines.next();
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK_FALSE(lines.next());
  CHECK(lines.pending() == 0);
}

TEST_CASE("LineBuffer reports an overlong line", "[runtime][control]") {
  LineBuffer lines(8);
  lines.append("12345678");
  CHECK_FALSE(lines.overflowed());
  lines.append("9");
  CHECK(lines.overflowed());
  CHECK_FALSE(lines.next());
}

TEST_CASE("LineBuffer handles many lines in one chunk and a large line in many", "[runtime][control]") {
  LineBuffer lines;
  lines.append("a\nb\nc\n");
  CHECK(*lines.next() == "a");
  CHECK(*lines.next() == "b");
  CHECK(*lines.next() == "c");
  std::string big(1 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096) lines.append(std::string_view(big).substr(i, 4096));
  CHECK_FALSE(lines.next());
  lines.append("\n");
  auto line = lines.next();
  REQUIRE(line);
  CHECK(line->size() == big.size());
}

TEST_CASE("a status request parses", "[runtime][control]") {
  auto r = parseControlRequest("{\"type\":\"status\"}");
  REQUIRE(r);
  CHECK(std::holds_alternative<StatusRequest>(*r));
  CHECK(statusRequestLine() == "{\"type\":\"status\"}\n");
}

TEST_CASE("a flow request and its answer round-trip", "[runtime][control]") {
  const azlb::dataplane::FlowKey key{*azlb::dataplane::Ipv4Address::parse("100.64.255.1"),
                                     *azlb::dataplane::Ipv4Address::parse("198.18.0.1"), 40000, 80, 6};
  std::string line = flowRequestLine(key);
  line.pop_back();
  auto r = parseControlRequest(line);
  REQUIRE(r);
  REQUIRE(std::holds_alternative<FlowRequest>(*r));
  CHECK(std::get<FlowRequest>(*r).key == key);
  for (const auto& answer : {FlowResponse{}, FlowResponse{0xfedcba9876543210ULL}}) {
    auto back = parseControlResponse(flowLine(answer));
    REQUIRE(back);
    REQUIRE(std::holds_alternative<FlowResponse>(*back));
    CHECK(std::get<FlowResponse>(*back).backendKey == answer.backendKey);
  }
}

TEST_CASE("a snapshot request parses into the snapshot", "[runtime][control]") {
  Snapshot s;
  s.version = 9;
  s.host.index = 3;
  std::string line = snapshotLine(s);
  REQUIRE(line.back() == '\n');
  line.pop_back();
  CHECK(line.find('\n') == std::string::npos);  // one line on the wire
  auto r = parseControlRequest(line);
  REQUIRE(r);
  REQUIRE(std::holds_alternative<SnapshotRequest>(*r));
  CHECK(std::get<SnapshotRequest>(*r).snapshot.version == 9);
  CHECK(std::get<SnapshotRequest>(*r).snapshot.host.index == 3);
}

TEST_CASE("bad requests are errors that say what is wrong", "[runtime][control]") {
  struct Case {
    const char* line;
    const char* mentions;
  };
  const Case cases[] = {
      {"not json", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {"{}", "no string \"type\""},
      {"{\"type\":7}", "no string \"type\""},
      {"{\"type\":\"reboot\"}", "unknown type \"reboot\""},
      {"{\"type\":\"snapshot\"}", "version"},
      {"{\"type\":\"snapshot\",\"version\":1,\"rules\":[],\"muxUnderlays\":[\"x\"],\"vms\":[],\"host\":{}}",
       "muxUnderlays entry"},
      {"{\"type\":\"flow\",\"protocol\":6,\"src\":\"1.2.3\",\"srcPort\":1,\"dst\":\"1.2.3.4\",\"dstPort\":2}",
       "IPv4 \"src\""},
      {"{\"type\":\"flow\",\"protocol\":6,\"src\":\"1.2.3.4\",\"srcPort\":70000,\"dst\":\"1.2.3.4\",\"dstPort\":2}",
       "0-65535"},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    auto r = parseControlRequest(c.line);
    REQUIRE_FALSE(r);
    INFO(r.error().message());
    CHECK(r.error().message().find(c.mentions) != std::string::npos);
  }
}

TEST_CASE("ack and error lines parse back", "[runtime][control]") {
  auto ack = parseControlResponse(ackLine(17));
  REQUIRE(ack);
  REQUIRE(std::holds_alternative<AckResponse>(*ack));
  CHECK(std::get<AckResponse>(*ack).version == 17);

  const std::string message = "rule web: duplicate \"frontend\"\n and \xff invalid UTF-8";
  const std::string line = errorLine(message);
  CHECK(line.find('\n') == line.size() - 1);  // newlines inside are escaped
  auto error = parseControlResponse(line);
  REQUIRE(error);
  REQUIRE(std::holds_alternative<ErrorResponse>(*error));
  CHECK(std::get<ErrorResponse>(*error).message.find("duplicate \"frontend\"\n and") != std::string::npos);
}

TEST_CASE("a status report round-trips with every counter", "[runtime][control]") {
  StatusReport r;
  r.role = "host-agent";
  r.index = 2;
  r.version = 7;
  r.appliedVersion = 6;
  r.rxPackets = 100;
  r.rxBytes = 6400;
  r.txPackets = 90;
  r.txBytes = 5000;
  r.flowHits = 80;
  r.flowMisses = 10;
  r.flows = 5;
  r.drops = {{"noReverseFlow", 3}, {"vnetMismatch", 7}, {"truncated", 0}};
  r.paths = {{"lbInbound", 40}, {"dsrOutbound", 50}};
  const std::string line = statusLine(r);
  auto parsed = parseControlResponse(line);
  REQUIRE(parsed);
  REQUIRE(std::holds_alternative<StatusReport>(*parsed));
  const auto& p = std::get<StatusReport>(*parsed);
  CHECK(p.role == "host-agent");
  CHECK(p.index == 2);
  CHECK(p.version == 7);
  CHECK(p.appliedVersion == 6);
  CHECK(p.rxPackets == 100);
  CHECK(p.rxBytes == 6400);
  CHECK(p.txPackets == 90);
  CHECK(p.txBytes == 5000);
  CHECK(p.flowHits == 80);
  CHECK(p.flowMisses == 10);
  CHECK(p.flows == 5);
  CHECK(p.dropped("noReverseFlow") == 3);
  CHECK(p.dropped("vnetMismatch") == 7);
  CHECK(p.dropped("truncated") == 0);
  CHECK(p.dropped("neverHeardOf") == 0);
  CHECK(p.droppedTotal() == 10);
  CHECK(p.path("lbInbound") == 40);
  CHECK(p.path("dsrOutbound") == 50);
  // The wire shape the manager relies on.
  auto j = nlohmann::json::parse(line);
  CHECK(j.at("type") == "status");
  CHECK(j.at("counters").at("drops").at("vnetMismatch") == 7);
  CHECK(j.at("counters").at("rxPackets") == 100);
}

TEST_CASE("malformed responses are errors", "[runtime][control]") {
  for (const char* line : {"{\"type\":\"ack\"}", "{\"type\":\"ack\",\"version\":-1}",
                           "{\"type\":\"error\"}", "{\"type\":\"status\"}",
                           "{\"type\":\"status\",\"counters\":{\"drops\":{\"x\":-1}}}",
                           "{\"type\":\"status\",\"counters\":{\"rxPackets\":\"many\"}}",
                           "{\"type\":\"hello\"}", "nope"}) {
    INFO(line);
    CHECK_FALSE(parseControlResponse(line));
  }
}
