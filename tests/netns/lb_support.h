// Support for the netns tests that drive a real `azlb serve` (lb_api_test, probes_test): the
// serve child process, servers inside VM namespaces, and a line-oriented client connection from
// the root namespace. Test-only.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "emulator/runtime/control_client.h"

namespace azlb::lbtest {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

const std::string kSub = "/subscriptions/00000000-0000-0000-0000-000000000001";
const std::string kNet = kSub + "/resourceGroups/rg/providers/Microsoft.Network";

inline bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

/// Where one test's `azlb serve` puts its kernel objects: an instance id, a public prefix and an
/// underlay of its own, so test files never collide with each other or a developer's azlb.
struct ServeInstance {
  std::string instance;
  std::string publicPrefix;
  std::string underlay;
  std::vector<std::string> extraArgs{};
};

/// Runs `fn` on a thread inside network namespace `ns` (a VM, the internet).
template <typename Fn>
void inNamespace(const std::string& ns, Fn fn) {
  std::thread t([&] {
    int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return;
    close(fd);
    fn();
  });
  t.join();
}

/// `azlb serve` as a child process.
class Serve {
 public:
  Serve(std::string dir, ServeInstance where) : dir_(std::move(dir)), where_(std::move(where)) {}
  ~Serve() { stop(SIGTERM); }
  void start() {
    fs::remove(dir_ + "/ready");
    pid_ = fork();
    if (pid_ == 0) {
      int log = open((dir_ + "/serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(log, 1);
      dup2(log, 2);
      std::vector<std::string> args = {"azlb", "serve", "--port", "0", "--data-dir", dir_, "--ready-file",
                                       dir_ + "/ready", "--dataplane", "on", "--instance", where_.instance,
                                       "--public-prefix", where_.publicPrefix, "--underlay", where_.underlay,
                                       "--muxes", "2", "--hosts", "2"};
      args.insert(args.end(), where_.extraArgs.begin(), where_.extraArgs.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(AZLB_BINARY, argv.data());
      _exit(127);
    }
    REQUIRE(waitFor([&] { return fs::exists(dir_ + "/ready"); }, std::chrono::seconds(20)));
    std::ifstream(dir_ + "/ready") >> port_;
  }
  void stop(int sig) {
    if (pid_ <= 0) return;
    kill(pid_, sig);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
  std::unique_ptr<httplib::SSLClient> client() const {
    auto c = std::make_unique<httplib::SSLClient>("localhost", port_);
    c->set_ca_cert_path((dir_ + "/tls/ca.pem").c_str());
    c->enable_server_certificate_verification(true);
    c->set_default_headers({{"Authorization", "Bearer test"}});
    return c;
  }
  int put(const std::string& path, const json& body) const {
    auto r = client()->Put((path + "?api-version=2022-05-01").c_str(), body.dump(), "application/json");
    if (r && r->status >= 300) UNSCOPED_INFO(r->body);
    return r ? r->status : 0;
  }
  json get(const std::string& path) const {
    auto r = client()->Get((path + "?api-version=2022-05-01").c_str());
    return r ? json::parse(r->body, nullptr, false) : json();
  }
  /// PUTs resource group "rg" and VNet "vnet1" (10.0.0.0/16, subnet "default" 10.0.0.0/24).
  void createVnet() const {
    REQUIRE(put(kSub + "/resourcegroups/rg", {{"location", "westus"}}) == 201);
    REQUIRE(put(kNet + "/virtualNetworks/vnet1",
                {{"location", "westus"},
                 {"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}},
                                 {"subnets", {{{"name", "default"}, {"properties", {{"addressPrefix", "10.0.0.0/24"}}}}}}}}}) == 201);
  }
  /// PUTs (creates or updates) a resource and waits until its provisioningState is Succeeded,
  /// i.e. the data plane has it.
  void putAndWait(const std::string& id, const json& body) const {
    const int status = put(id, body);
    REQUIRE((status == 200 || status == 201));
    REQUIRE(waitFor([&] { return get(id)["properties"].value("provisioningState", "") == "Succeeded"; },
                    std::chrono::seconds(30)));
  }
  const ServeInstance& where() const { return where_; }
  /// The live counters of one data-plane process ("mux-0", "host-1") over its control socket.
  azlb::runtime::StatusReport processStatus(const std::string& process) const {
    auto client = azlb::runtime::ControlClient::connect("/run/azlb/" + where_.instance + "/" + process + ".sock");
    REQUIRE(client);
    auto report = client->status();
    REQUIRE(report);
    return *report;
  }
  int port() const { return port_; }
  /// status.json of this instance's data plane (null while there is none).
  json status() const {
    std::ifstream in("/run/azlb/" + where_.instance + "/status.json");
    return in ? json::parse(in, nullptr, false) : json();
  }
  /// Namespaces of this instance still in /run/netns.
  std::size_t leftoverNamespaces() const {
    std::size_t n = 0;
    if (fs::exists("/run/netns"))
      for (const auto& e : fs::directory_iterator("/run/netns"))
        if (e.path().filename().string().rfind("azlb" + where_.instance + "-", 0) == 0) ++n;
    return n;
  }

 private:
  std::string dir_;
  ServeInstance where_;
  pid_t pid_ = 0;
  int port_ = 0;
};

/// Servers inside a VM's namespace (threads of the test that entered it): TCP port 8080 answers
/// every line with the VM's name and can be stopped and started (stopping closes the listener:
/// new connections are refused, established ones keep being answered); TCP port 8081 answers
/// HTTP requests with a settable status code (a health endpoint for Http probes); TCP port 8082
/// is a second app port like 8080 that is never stopped; UDP port 8080 answers every datagram
/// with the VM's name.
class VmServer {
 public:
  VmServer(std::string ns, std::string name) : ns_(std::move(ns)), name_(std::move(name)) {
    thread_ = std::thread([this] { run(); });
    REQUIRE(waitFor([&] { return ready_.load(); }, std::chrono::seconds(5)));
  }
  ~VmServer() {
    stop_ = true;
    thread_.join();
  }
  const std::string& name() const { return name_; }
  /// Takes effect within one poll round (50 ms); returns once it has.
  void setListening(bool on) {
    wantListening_ = on;
    REQUIRE(waitFor([&] { return listening_.load() == on; }, std::chrono::seconds(5)));
  }
  void setHealthStatus(int code) { healthStatus_ = code; }
  /// Requests the health endpoint has answered, and probe connections seen from 168.63.129.16.
  int healthRequests() const { return healthRequests_.load(); }
  int probeSourceHits() const { return probeSourceHits_.load(); }
  /// Connections that ended with an RST from the client side.
  int resets() const { return resets_.load(); }
  /// The local addresses app connections (8080, 8082) were accepted on: the VM's own address, or
  /// a frontend IP it owns on loopback (floating IP).
  std::set<std::string> localAddresses() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return localAddresses_;
  }

 private:
  static int listenOn(std::uint16_t port) {
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ls, 512) != 0) {
      close(ls);
      return -1;
    }
    return ls;
  }
  void run() {
    int nsfd = open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) return;
    close(nsfd);
    int app = listenOn(8080), health = listenOn(8081), app2 = listenOn(8082);
    int udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in ua{};
    ua.sin_family = AF_INET;
    ua.sin_port = htons(8080);
    if (app < 0 || health < 0 || app2 < 0 || bind(udp, reinterpret_cast<sockaddr*>(&ua), sizeof ua) != 0) return;
    listening_ = true;
    ready_ = true;
    // kind: 0 app listener, 1 health listener, 2 app connection, 3 health connection
    std::vector<pollfd> fds{{app, POLLIN, 0}, {health, POLLIN, 0}, {app2, POLLIN, 0}, {udp, POLLIN, 0}};
    std::vector<int> kind{0, 1, 0, 4};
    while (!stop_) {
      if (wantListening_ != listening_) {
        if (wantListening_) {
          int ls = listenOn(8080);
          if (ls >= 0) {
            fds[0].fd = ls;
            listening_ = true;
          }
        } else {
          close(fds[0].fd);
          fds[0].fd = -1;
          listening_ = false;
        }
      }
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      const std::size_t count = fds.size();
      for (size_t i = 0; i < count; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        if (kind[i] == 4) {
          char dgram[2048];
          sockaddr_in peer{};
          socklen_t len = sizeof peer;
          while (recvfrom(fds[i].fd, dgram, sizeof dgram, 0, reinterpret_cast<sockaddr*>(&peer), &len) >= 0) {
            (void)!sendto(fds[i].fd, name_.data(), name_.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
            len = sizeof peer;
          }
          continue;
        }
        if (kind[i] <= 1) {
          int c;
          sockaddr_in peer{};
          socklen_t len = sizeof peer;
          while ((c = accept4(fds[i].fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK)) >= 0) {
            if (peer.sin_addr.s_addr == htonl(0xA83F8110U)) ++probeSourceHits_;  // 168.63.129.16
            if (kind[i] == 0) {
              sockaddr_in local{};
              socklen_t localLen = sizeof local;
              char text[INET_ADDRSTRLEN] = {};
              if (getsockname(c, reinterpret_cast<sockaddr*>(&local), &localLen) == 0 &&
                  inet_ntop(AF_INET, &local.sin_addr, text, sizeof text) != nullptr) {
                std::lock_guard<std::mutex> lock(mutex_);
                localAddresses_.insert(text);
              }
            }
            fds.push_back({c, POLLIN, 0});
            kind.push_back(kind[i] + 2);
            len = sizeof peer;
          }
          continue;
        }
        char buf[4096];
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n < 0 && errno == ECONNRESET) ++resets_;
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          continue;
        }
        if (kind[i] == 3) {
          // One request per connection is all a probe sends; answer once the headers are in.
          if (std::string_view(buf, static_cast<size_t>(n)).find("\r\n\r\n") == std::string_view::npos) continue;
          ++healthRequests_;
          const int code = healthStatus_.load();
          const std::string reply = "HTTP/1.1 " + std::to_string(code) + (code == 200 ? " OK" : " Unavailable") +
                                    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
          (void)!write(fds[i].fd, reply.data(), reply.size());
          close(fds[i].fd);
          fds[i].fd = -1;
          continue;
        }
        for (ssize_t k = 0; k < n; ++k)
          if (buf[k] == '\n') (void)!write(fds[i].fd, (name_ + "\n").data(), name_.size() + 1);
      }
      for (size_t i = fds.size(); i-- > 4;)
        if (fds[i].fd < 0) {
          fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
          kind.erase(kind.begin() + static_cast<std::ptrdiff_t>(i));
        }
    }
    for (auto& p : fds)
      if (p.fd >= 0) close(p.fd);
  }
  std::string ns_, name_;
  std::thread thread_;
  std::atomic<bool> ready_{false}, stop_{false}, wantListening_{true}, listening_{false};
  std::atomic<int> healthStatus_{200}, healthRequests_{0}, probeSourceHits_{0}, resets_{0};
  mutable std::mutex mutex_;
  std::set<std::string> localAddresses_;
};

/// One UDP request from the root namespace (from `srcPort`, 0 = any); the answer's text, and
/// whether it came from `ip` itself (the frontend, not a backend's own address).
inline std::string udpAsk(const std::string& ip, int port, bool* fromFrontend = nullptr, std::uint16_t srcPort = 0) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (srcPort != 0) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(srcPort);
    (void)bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  std::string out;
  if (sendto(fd, "hi", 2, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) == 2) {
    char buf[512];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n > 0) {
      out.assign(buf, static_cast<size_t>(n));
      if (fromFrontend) *fromFrontend = from.sin_addr.s_addr == a.sin_addr.s_addr && from.sin_port == a.sin_port;
    }
  }
  close(fd);
  return out;
}

/// A client connection from the root namespace; ask() sends a line and returns the answer.
class Conn {
 public:
  Conn(const std::string& ip, int port, std::uint16_t srcPort = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (srcPort != 0) {
      int one = 1;
      setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in local{};
      local.sin_family = AF_INET;
      local.sin_port = htons(srcPort);
      // A port in use elsewhere: no connection at all, rather than one from another port.
      if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return;
    }
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    ok_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Conn() { close(fd_); }
  /// Waits up to `limit` for the connection to be reset by the peer without sending anything:
  /// true when a read then fails with ECONNRESET.
  bool resetWithin(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    if (!ok_ || poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
    char c;
    return read(fd_, &c, 1) < 0 && errno == ECONNRESET;
  }
  /// Sets how long ask() waits for its answer.
  void setReceiveTimeout(std::chrono::milliseconds limit) {
    timeval tv{static_cast<time_t>(limit.count() / 1000), static_cast<suseconds_t>(limit.count() % 1000 * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  std::string ask() {
    if (!ok_ || write(fd_, "hi\n", 3) != 3) return {};
    std::string out;
    char c;
    while (read(fd_, &c, 1) == 1) {
      if (c == '\n') return out;
      out += c;
    }
    return {};
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

/// Which VM answers each of `n` new connections to ip:port ("" for a failed one).
inline std::map<std::string, int> spread(const std::string& ip, int port, int n) {
  std::map<std::string, int> hits;
  for (int i = 0; i < n; ++i) ++hits[Conn(ip, port).ask()];
  return hits;
}

}  // namespace azlb::lbtest
