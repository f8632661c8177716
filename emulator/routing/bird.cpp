#include "emulator/routing/bird.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace azlb::routing {

std::string renderBirdConfig(const BirdConfig& c) {
  std::ostringstream o;
  o << "# Written by azlb for the router of instance " << c.instance << ": do not edit.\n"
    << "router id " << c.routerId << ";\n"
    << "log stderr all;\n"
    << "timeformat protocol \"%F %T\";\n\n"
    << "protocol device { scan time 10; }\n\n"
    << "# The BGP routes (and the blackhole) into the router's kernel; equal paths from several\n"
    << "# MUXes become one ECMP route, spread per flow (the router's 5-tuple hash).\n"
    << "protocol kernel {\n"
    << "  ipv4 { import none; export where source ~ [ RTS_BGP, RTS_STATIC ]; };\n"
    << "  merge paths yes limit 64;\n"
    << "}\n\n"
    << "# A public address no MUX announces goes nowhere (no ICMP either).\n"
    << "protocol static frontends {\n"
    << "  ipv4;\n"
    << "  route " << c.publicPrefix << " blackhole;\n"
    << "}\n\n"
    << "# MUXes connect to the router; they may announce host routes of the public prefix only.\n"
    << "template bgp mux {\n"
    << "  local as " << kRouterAs << ";\n"
    << "  hold time " << kHoldTime << ";\n"
    << "  keepalive time 1;\n"
    << "  connect retry time 1;\n"
    << "  error wait time 1, 2;\n"
    << "  passive on;\n"
    << "  ipv4 { import where net ~ [ " << c.publicPrefix << "{32,32} ]; export none; };\n"
    << "}\n";
  for (std::size_t i = 0; i < c.muxes.size(); ++i)
    o << "protocol bgp mux" << i << " from mux { local " << c.muxes[i].routerSide << "; neighbor "
      << c.muxes[i].muxSide << " as " << kMuxAs << "; }\n";
  return o.str();
}

bool birdInstalled() {
  return access(kBirdBinary, X_OK) == 0;
}

namespace {

/// A reply line: "dddd-text" or "dddd text" (code), or " text" (continuation of the last code).
/// Returns true when it is the reply's last line (0xxx done, 8xxx/9xxx error).
bool lastLine(const std::string& line) {
  return line.size() >= 5 && line[4] == ' ' && (line[0] == '0' || line[0] == '8' || line[0] == '9');
}

std::string stripCode(const std::string& line) {
  if (line.size() >= 5 && std::isdigit(static_cast<unsigned char>(line[0])) &&
      (line[4] == ' ' || line[4] == '-'))
    return line.substr(5);
  return line.empty() ? line : line.substr(1);
}

/// Reads lines until the reply is complete (or the greeting, when `greeting`).
Result<std::vector<std::string>> readReply(int fd, std::chrono::milliseconds timeout) {
  std::vector<std::string> lines;
  std::string pending;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (lastLine(line)) {
        if (line[0] != '0') return fail("bird: " + line.substr(5), EPROTO);
        if (line.size() > 5) lines.push_back(line.substr(5));
        return lines;
      }
      lines.push_back(stripCode(line));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) != 1)
      return fail("bird: no complete reply", ETIMEDOUT);
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return fail("bird: control socket closed", ECONNRESET);
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

Result<std::vector<std::string>> birdQuery(const std::string& socketPath,
                                           const std::string& command,
                                           std::chrono::milliseconds timeout) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (socketPath.size() >= sizeof sa.sun_path) return fail("bird socket path too long", EINVAL);
  std::memcpy(sa.sun_path, socketPath.c_str(), socketPath.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket", errno);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    const int e = errno;
    close(fd);
    return fail("connecting to " + socketPath, e);
  }
  auto greeting = readReply(fd, timeout);  // "0001 BIRD 2.0.12 ready."
  Result<std::vector<std::string>> reply = greeting;
  if (greeting) {
    const std::string line = command + "\n";
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      reply = fail("writing to " + socketPath, errno);
    else
      reply = readReply(fd, timeout);
  }
  close(fd);
  return reply;
}

std::vector<BgpSessionInfo> parseProtocols(const std::vector<std::string>& lines) {
  std::vector<BgpSessionInfo> out;
  for (const auto& line : lines) {
    std::istringstream in(line);
    std::string name, proto, table, state, date, time;
    if (!(in >> name >> proto >> table >> state >> date >> time) || proto != "BGP") continue;
    std::string info;
    std::getline(in, info);
    const auto first = info.find_first_not_of(' ');
    info = first == std::string::npos ? "" : info.substr(first);
    while (!info.empty() && info.back() == ' ') info.pop_back();
    out.push_back({name, state, date + " " + time, info});
  }
  return out;
}

}  // namespace azlb::routing
