#include "tests/netns/dp_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace azlb::dptest {

DpProcess::DpProcess(const std::string& ns, std::vector<std::string> argv, std::string logPath)
    : logPath_(std::move(logPath)) {
  // Everything the child needs is prepared here: after fork() only async-signal-safe calls.
  const std::string nsPath = std::string(netns::kNetnsRunDir) + "/" + ns;
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);  // the test died before prctl took effect
    int log = ::open(logPath_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    int nsFd = ::open(nsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsFd < 0 || ::setns(nsFd, CLONE_NEWNET) != 0) ::_exit(125);
    // Signals the test process blocked or ignored must not leak into the child.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

DpProcess::~DpProcess() { (void)stop(std::chrono::seconds(10)); }

bool DpProcess::running() {
  if (pid_ < 0 || status_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return r == 0;
}

std::optional<int> DpProcess::stop(std::chrono::milliseconds timeout) {
  if (pid_ < 0) return status_;
  if (!running()) return status_;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      status_.reset();
      pid_ = -1;
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

std::string DpProcess::log() const {
  std::ifstream in(logPath_);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

DpNameServer::DpNameServer(const netns::NetNamespace& ns, std::string name, std::uint16_t port)
    : name_(std::move(name)) {
  auto listener = netns::runInNamespace(ns, [&]() -> Result<netns::Fd> {
    netns::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return fail("socket", errno);
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return fail("bind 0.0.0.0:" + std::to_string(port), errno);
    }
    if (::listen(fd.get(), 128) != 0) return fail("listen", errno);
    return fd;
  });
  if (!listener) throw std::runtime_error(listener.error().message());
  listener_ = std::move(*listener);
  stop_ = netns::Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  thread_ = std::thread([this] { serve(); });
}

DpNameServer::~DpNameServer() {
  const std::uint64_t one = 1;
  (void)!::write(stop_.get(), &one, sizeof one);
  thread_.join();
}

void DpNameServer::serve() {
  struct Conn {
    netns::Fd fd;
    std::string input;
  };
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<pollfd> pfds;
  char buf[4096];
  for (;;) {
    pfds.assign({{stop_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}});
    for (const auto& c : conns) pfds.push_back({c->fd.get(), POLLIN, 0});
    if (::poll(pfds.data(), pfds.size(), 1000) < 0 && errno != EINTR) return;
    if (pfds[0].revents) return;
    for (std::size_t i = 0; i < conns.size(); ++i) {
      if (pfds[i + 2].revents == 0) continue;
      const ssize_t n = ::recv(conns[i]->fd.get(), buf, sizeof buf, 0);
      if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        conns[i].reset();
        continue;
      }
      conns[i]->input.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = conns[i]->input.find('\n')) != std::string::npos) {
        conns[i]->input.erase(0, nl + 1);
        const std::string answer = name_ + "\n";
        (void)!::send(conns[i]->fd.get(), answer.data(), answer.size(), MSG_NOSIGNAL);
      }
    }
    std::erase_if(conns, [](const auto& c) { return c == nullptr; });
    if (pfds[1].revents & POLLIN) {
      for (;;) {
        netns::Fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) break;
        ++accepted_;
        auto c = std::make_unique<Conn>();
        c->fd = std::move(fd);
        conns.push_back(std::move(c));
      }
    }
  }
}

Result<DpConnection> DpConnection::open(const netns::NetNamespace& ns, const std::string& ip,
                                        std::uint16_t port, std::chrono::milliseconds timeout) {
  auto fd = netns::runInNamespace(ns, []() -> Result<netns::Fd> {
    netns::Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s) return fail("socket", errno);
    return s;
  });
  if (!fd) return unexpected(fd.error());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) return fail("address " + ip, EINVAL);
  const std::string what = "connect " + ip + ":" + std::to_string(port);
  if (::connect(fd->get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
      errno != EINPROGRESS) {
    return fail(what, errno);
  }
  pollfd p{fd->get(), POLLOUT, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready == 0) return fail(what, ETIMEDOUT);
  if (ready < 0) return fail(what + ": poll", errno);
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd->get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return fail(what, err);
  return DpConnection(std::move(*fd));
}

Result<std::string> DpConnection::ask(const std::string& line, std::chrono::milliseconds timeout) {
  const std::string out = line + "\n";
  if (::send(fd_.get(), out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
    return fail("send", errno);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[1024];
  for (;;) {
    if (auto nl = pending_.find('\n'); nl != std::string::npos) {
      std::string answer = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return answer;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail("waiting for an answer", ETIMEDOUT);
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n == 0) return fail("connection closed", ECONNRESET);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return fail("recv", errno);
    }
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

std::uint16_t DpConnection::localPort() const {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

Result<DpLinkCounters> dpLinkCounters(const netns::NetNamespace& ns, const std::string& link) {
  return netns::runInNamespace(ns, [&]() -> Result<DpLinkCounters> {
    std::ifstream in("/proc/thread-self/net/dev");
    if (!in) return fail("open /proc/thread-self/net/dev", errno);
    std::string line;
    while (std::getline(in, line)) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      name.erase(0, name.find_first_not_of(' '));
      if (name != link) continue;
      std::istringstream fields(line.substr(colon + 1));
      // rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets ...
      std::uint64_t v[10] = {};
      for (auto& x : v) fields >> x;
      return DpLinkCounters{.rxPackets = v[1], .txPackets = v[9]};
    }
    return fail("no link " + link + " in /proc/net/dev", ENODEV);
  });
}

}  // namespace azlb::dptest
