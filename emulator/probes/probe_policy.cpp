#include "emulator/probes/probe_policy.h"

#include <algorithm>
#include <cerrno>

namespace azlb::probes {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<std::int64_t> integer(const nlohmann::json& p, const char* key, std::int64_t def,
                             std::int64_t min, std::int64_t max) {
  auto it = p.find(key);
  if (it == p.end() || it->is_null()) return def;
  if (!it->is_number_integer())
    return fail(std::string("probe ") + key + " must be an integer", EINVAL);
  const auto v = it->get<std::int64_t>();
  if (v < min || v > max) {
    return fail(std::string("probe ") + key + " must be " + std::to_string(min) + ".." +
                    std::to_string(max),
                EINVAL);
  }
  return v;
}

}  // namespace

Result<Spec> specFromArm(const nlohmann::json& p, double timeScale) {
  if (!p.is_object()) return fail("probe properties must be an object", EINVAL);
  if (!(timeScale > 0.0 && timeScale <= 1.0))
    return fail("probe time scale must be in (0, 1]", EINVAL);
  Spec s;
  const std::string protocol = lower(p.value("protocol", ""));
  if (protocol == "tcp") {
    s.protocol = Protocol::Tcp;
  } else if (protocol == "http") {
    s.protocol = Protocol::Http;
  } else if (protocol == "https") {
    s.protocol = Protocol::Https;
  } else {
    return fail("probe protocol must be Tcp, Http or Https", EINVAL);
  }
  auto port = integer(p, "port", -1, 1, 65535);
  if (!port) return unexpected(port.error());
  s.port = static_cast<std::uint16_t>(*port);
  if (s.protocol != Protocol::Tcp) {
    s.requestPath = p.value("requestPath", std::string("/"));
    if (s.requestPath.empty() || s.requestPath[0] != '/') s.requestPath = "/" + s.requestPath;
    for (char c : s.requestPath)
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
        return fail("probe requestPath has a control character or space", EINVAL);
  }
  auto interval = integer(p, "intervalInSeconds", 15, 1, 2147483647);
  if (!interval) return unexpected(interval.error());
  auto threshold = p.contains("probeThreshold") ? integer(p, "probeThreshold", 1, 1, 2147483647)
                                                : integer(p, "numberOfProbes", 2, 1, 2147483647);
  if (!threshold) return unexpected(threshold.error());
  s.threshold = static_cast<std::uint32_t>(std::min<std::int64_t>(*threshold, 1000));
  const double ms = static_cast<double>(*interval) * 1000.0 * timeScale;
  s.interval = std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(ms)));
  // Http(s): a 30 s cap on waiting, whatever the interval; Tcp: unanswered by the next probe.
  const auto cap = std::chrono::milliseconds(
      std::max<std::int64_t>(1, static_cast<std::int64_t>(30000.0 * timeScale)));
  s.timeout = s.protocol == Protocol::Tcp ? s.interval : std::min(s.interval, cap);
  auto startup = integer(p, "azlbStartupIntervalInSeconds", 0, 0, 2147483647);
  if (!startup) return unexpected(startup.error());
  s.startupInterval = std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(*startup) * 1000.0 * timeScale));
  return s;
}

std::string_view outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::None:
      return "";
    case Outcome::Success:
      return "success";
    case Outcome::Refused:
      return "refused";
    case Outcome::Timeout:
      return "timeout";
    case Outcome::BadStatus:
      return "badStatus";
    case Outcome::Error:
      return "error";
  }
  return "";
}

std::uint32_t State::successesNeeded() const {
  // Falls within the last 10 intervals, counted at the last record() time.
  const auto window = spec_.interval * 10;
  std::uint32_t recent = 0;
  for (auto t : falls_)
    if (lastNow_ - t <= window) ++recent;
  if (recent < 2) return 1;
  return std::min<std::uint32_t>(8, 1U << std::min<std::uint32_t>(recent - 1, 3));
}

bool State::record(Outcome outcome, std::string detail, Clock::time_point now) {
  lastNow_ = now;
  last_ = outcome;
  detail_ = std::move(detail);
  while (!falls_.empty() && now - falls_.front() > spec_.interval * 10) falls_.pop_front();
  if (outcome == Outcome::Success) {
    ++successes_;
    failures_ = 0;
    if (!up_ && successes_ >= successesNeeded()) {
      up_ = true;
      everUp_ = true;
      ++transitions_;
      return true;
    }
    return false;
  }
  ++failures_;
  successes_ = 0;
  const bool immediate = outcome == Outcome::Refused || outcome == Outcome::BadStatus;
  if (up_ && (immediate || failures_ >= spec_.threshold)) {
    up_ = false;
    ++transitions_;
    falls_.push_back(now);
    return true;
  }
  return false;
}

}  // namespace azlb::probes
