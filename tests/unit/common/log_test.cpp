// azlb::log (common/log.h): line format, level names, level filtering through a sink.
#include "common/log.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace azlb;

namespace {

/// Captures lines for one scope and restores stderr and the level afterwards.
struct CapturedLog {
  std::vector<std::string> lines;
  log::Level saved = log::level();
  CapturedLog() {
    log::setSink([this](std::string_view line) { lines.emplace_back(line); });
  }
  ~CapturedLog() {
    log::setSink({});
    log::setLevel(saved);
  }
};

}  // namespace

TEST_CASE("a log line is ISO-8601 UTC with milliseconds, level, component and message", "[log]") {
  // 2026-12-03T07:40:38.123Z
  const auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796283638123LL));
  CHECK(log::formatLine(when, log::Level::Info, "serve", "ready") == "2026-12-03T07:40:38.123Z info  serve: ready");
  CHECK(log::formatLine(when, log::Level::Error, "mux", "x") == "2026-12-03T07:40:38.123Z error mux: x");
  const auto epoch = std::chrono::system_clock::time_point(std::chrono::milliseconds(5));
  CHECK(log::formatLine(epoch, log::Level::Warn, "c", "") == "1970-01-01T00:00:00.005Z warn  c: ");
}

TEST_CASE("level names round-trip and unknown names are refused", "[log]") {
  for (auto level : {log::Level::Debug, log::Level::Info, log::Level::Warn, log::Level::Error, log::Level::Off})
    CHECK(log::parseLevel(log::levelName(level)) == level);
  CHECK_FALSE(log::parseLevel("INFO"));
  CHECK_FALSE(log::parseLevel("verbose"));
}

TEST_CASE("lines below the level are dropped; printf formatting applies", "[log]") {
  CapturedLog captured;
  log::setLevel(log::Level::Warn);
  log::debug("t", "debug %d", 1);
  log::info("t", "info %d", 2);
  log::warn("t", "warn %d of %s", 3, "three");
  log::error("t", "error %.2f", 4.25);
  REQUIRE(captured.lines.size() == 2);
  CHECK(captured.lines[0].ends_with(" warn  t: warn 3 of three"));
  CHECK(captured.lines[1].ends_with(" error t: error 4.25"));
  log::setLevel(log::Level::Off);
  log::error("t", "never");
  CHECK(captured.lines.size() == 2);
  log::setLevel(log::Level::Debug);
  log::write(log::Level::Debug, "t", "now %s", "shown");
  REQUIRE(captured.lines.size() == 3);
  CHECK(captured.lines[2].ends_with(" debug t: now shown"));
}
