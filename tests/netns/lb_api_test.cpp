// Issue 3 end to end: a real `azlb serve` (test instance, its own public prefix and underlay)
// builds router, MUXes, host agents and VMs from what the ARM API is told; TCP from this (root)
// namespace to the frontend crosses them. Each VM runs a server (a thread of this test that
// entered the VM's namespace) that answers every line with the VM's name.
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
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

const char* kInstance = "lbt";
const char* kPublicPrefix = "198.18.251.0/24";
const char* kUnderlay = "100.127.0.0/16";
const std::string kSub = "/subscriptions/00000000-0000-0000-0000-000000000001";
const std::string kNet = kSub + "/resourceGroups/rg/providers/Microsoft.Network";

bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

/// `azlb serve` as a child process.
class Serve {
 public:
  explicit Serve(std::string dir) : dir_(std::move(dir)) {}
  ~Serve() { stop(SIGTERM); }
  void start() {
    fs::remove(dir_ + "/ready");
    pid_ = fork();
    if (pid_ == 0) {
      int log = open((dir_ + "/serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(log, 1);
      dup2(log, 2);
      execl(AZLB_BINARY, "azlb", "serve", "--port", "0", "--data-dir", dir_.c_str(), "--ready-file",
            (dir_ + "/ready").c_str(), "--dataplane", "on", "--instance", kInstance, "--public-prefix", kPublicPrefix,
            "--underlay", kUnderlay, "--muxes", "2", "--hosts", "2", static_cast<char*>(nullptr));
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

 private:
  std::string dir_;
  pid_t pid_ = 0;
  int port_ = 0;
};

/// A TCP server inside a VM's namespace: every line gets "<name>\n" back.
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

 private:
  void run() {
    int nsfd = open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) return;
    close(nsfd);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(8080);
    if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ls, 512) != 0) return;
    ready_ = true;
    std::vector<pollfd> fds{{ls, POLLIN, 0}};
    while (!stop_) {
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      for (size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        if (i == 0) {
          int c;
          while ((c = accept4(ls, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) fds.push_back({c, POLLIN, 0});
          continue;
        }
        char buf[4096];
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          continue;
        }
        for (ssize_t k = 0; k < n; ++k)
          if (buf[k] == '\n') (void)!write(fds[i].fd, (name_ + "\n").data(), name_.size() + 1);
      }
      std::erase_if(fds, [](const pollfd& p) { return p.fd < 0; });
    }
    for (auto& p : fds) close(p.fd);
  }
  std::string ns_, name_;
  std::thread thread_;
  std::atomic<bool> ready_{false}, stop_{false};
};

/// A client connection from the root namespace; ask() sends a line and returns the answer.
class Conn {
 public:
  Conn(const std::string& ip, int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
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

json lbBody(const std::string& vnetId) {
  const std::string lb = kNet + "/loadBalancers/lb1";
  json addrs = json::array();
  for (int i = 0; i < 3; ++i)
    addrs.push_back({{"name", "vm" + std::to_string(i + 1)},
                     {"properties", {{"ipAddress", "10.0.0." + std::to_string(i + 4)}, {"virtualNetwork", {{"id", vnetId}}}}}});
  return {{"location", "westus"},
          {"sku", {{"name", "Standard"}}},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"name", "fe"}, {"properties", {{"publicIPAddress", {{"id", kNet + "/publicIPAddresses/pip1"}}}}}}}},
            {"backendAddressPools", {{{"name", "be"}, {"properties", {{"loadBalancerBackendAddresses", addrs}}}}}},
            {"loadBalancingRules",
             {{{"name", "web"},
               {"properties",
                {{"protocol", "Tcp"}, {"frontendPort", 80}, {"backendPort", 8080},
                 {"frontendIPConfiguration", {{"id", lb + "/frontendIPConfigurations/fe"}}},
                 {"backendAddressPool", {{"id", lb + "/backendAddressPools/be"}}}}}}}}}}};
}

json readStatus() {
  std::ifstream in(std::string("/run/azlb/") + kInstance + "/status.json");
  return in ? json::parse(in, nullptr, false) : json();
}

std::size_t leftoverNamespaces() {
  std::size_t n = 0;
  if (fs::exists("/run/netns"))
    for (const auto& e : fs::directory_iterator("/run/netns"))
      if (e.path().filename().string().rfind(std::string("azlb") + kInstance + "-", 0) == 0) ++n;
  return n;
}

}  // namespace

TEST_CASE("a load balancer made through the API balances real TCP across its backends and survives MUX and manager failures",
          "[lb-api]") {
  char tmpl[] = "/tmp/azlb-lbtest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir);
    serve.start();
    REQUIRE(serve.put(kSub + "/resourcegroups/rg", {{"location", "westus"}}) == 201);
    REQUIRE(serve.put(kNet + "/virtualNetworks/vnet1",
                      {{"location", "westus"},
                       {"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}},
                                       {"subnets", {{{"name", "default"}, {"properties", {{"addressPrefix", "10.0.0.0/24"}}}}}}}}}) == 201);
    REQUIRE(serve.put(kNet + "/publicIPAddresses/pip1", {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
    REQUIRE(serve.put(kNet + "/loadBalancers/lb1", lbBody(kNet + "/virtualNetworks/vnet1")) == 201);
    REQUIRE(waitFor([&] { return serve.get(kNet + "/loadBalancers/lb1")["properties"].value("provisioningState", "") == "Succeeded"; },
                    std::chrono::seconds(30)));
    const std::string vip = serve.get(kNet + "/publicIPAddresses/pip1")["properties"].value("ipAddress", "");
    REQUIRE(vip.rfind("198.18.251.", 0) == 0);

    json st = readStatus();
    REQUIRE(st["vms"].size() == 3);
    std::vector<std::unique_ptr<VmServer>> servers;
    for (const auto& vm : st["vms"]) servers.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));

    SECTION("300 connections reach all three backends, each within 40% of a fair share, and replies bypass the MUXes") {
      std::map<std::string, int> hits;
      for (int i = 0; i < 300; ++i) {
        Conn c(vip, 80);
        std::string first = c.ask();
        REQUIRE(!first.empty());
        REQUIRE(c.ask() == first);  // a connection never changes backend
        ++hits[first];
      }
      REQUIRE(hits.size() == 3);
      for (const auto& [vm, n] : hits) {
        INFO(vm << " got " << n);
        CHECK(n >= 60);
        CHECK(n <= 140);
      }
    }

    SECTION("kill -9 of a MUX: 50 open connections keep working and new ones succeed") {
      std::vector<std::unique_ptr<Conn>> conns;
      std::vector<std::string> backend;
      for (int i = 0; i < 50; ++i) {
        conns.push_back(std::make_unique<Conn>(vip, 80));
        backend.push_back(conns.back()->ask());
        REQUIRE(!backend.back().empty());
      }
      pid_t mux0 = 0;
      const json before = readStatus();  // a named copy: a range-for over a temporary's member dangles
      for (const auto& p : before["processes"])
        if (p["kind"] == "mux" && p["index"] == 0) mux0 = p["pid"];
      REQUIRE(mux0 > 0);
      REQUIRE(kill(mux0, SIGKILL) == 0);
      for (int i = 0; i < 50; ++i) CHECK(conns[static_cast<size_t>(i)]->ask() == backend[static_cast<size_t>(i)]);
      for (int i = 0; i < 20; ++i) CHECK(!Conn(vip, 80).ask().empty());
      // The MUX is back in service with a new pid.
      CHECK(waitFor([&] {
        const json now = readStatus();
        for (const auto& p : now["processes"])
          if (p["kind"] == "mux" && p["index"] == 0) return p["pid"] != mux0 && p["pid"].get<int>() > 0;
        return false;
      }, std::chrono::seconds(10)));
    }

    SECTION("restarting azlb serve under traffic breaks no established connection") {
      std::vector<std::unique_ptr<Conn>> conns;
      std::vector<std::string> backend;
      for (int i = 0; i < 20; ++i) {
        conns.push_back(std::make_unique<Conn>(vip, 80));
        backend.push_back(conns.back()->ask());
      }
      serve.stop(SIGKILL);  // a crash: the data plane keeps forwarding on its own
      for (int i = 0; i < 20; ++i) CHECK(conns[static_cast<size_t>(i)]->ask() == backend[static_cast<size_t>(i)]);
      serve.start();  // adopts the running data plane
      REQUIRE(waitFor([&] { return serve.get(kNet + "/loadBalancers/lb1")["properties"].value("provisioningState", "") == "Succeeded"; },
                      std::chrono::seconds(30)));
      for (int i = 0; i < 20; ++i) CHECK(conns[static_cast<size_t>(i)]->ask() == backend[static_cast<size_t>(i)]);
      CHECK(!Conn(vip, 80).ask().empty());
    }
    servers.clear();
  }
  // serve got SIGTERM from its destructor: everything of the instance is gone.
  CHECK(leftoverNamespaces() == 0);
  fs::remove_all(dir);
}
