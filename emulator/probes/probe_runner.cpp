#include "emulator/probes/probe_runner.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace azlb::probes {

namespace {

constexpr std::size_t kMaxResponse = 8192;

std::string errnoText(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

}  // namespace

struct Runner::Attempt {
  enum class Phase { Connecting, Handshake, Sending, Reading } phase = Phase::Connecting;
  int fd = -1;
  SSL* ssl = nullptr;
  short events = POLLOUT;
  std::string out;
  std::size_t sent = 0;
  std::string in;
  Clock::time_point deadline{};

  ~Attempt() {
    if (ssl != nullptr) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
  }
};

struct Runner::Slot {
  Target target;
  State state;
  std::unique_ptr<Attempt> attempt;
  Slot(Target t, Clock::time_point now) : target(std::move(t)), state(target.spec, now) {}
};

Runner::Runner() = default;

Runner::~Runner() {
  stop();
  if (tls_ != nullptr) SSL_CTX_free(tls_);
  if (wakeFd_ >= 0) ::close(wakeFd_);
  if (ownNs_ >= 0) ::close(ownNs_);
}

Result<void> Runner::start() {
  if (thread_.joinable()) return {};
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) return fail("eventfd (prober)", errno);
  tls_ = SSL_CTX_new(TLS_client_method());
  if (tls_ == nullptr) return fail("SSL_CTX_new (prober)", EIO);
  SSL_CTX_set_verify(tls_, SSL_VERIFY_NONE, nullptr);  // Azure's probe does not validate certificates
  stop_ = false;
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    return fail(std::string("prober thread: ") + e.what(), e.code().value());
  }
  return {};
}

void Runner::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  const std::uint64_t one = 1;
  (void)!::write(wakeFd_, &one, sizeof one);
  thread_.join();
}

void Runner::setTargets(std::vector<Target> targets) {
  {
    std::lock_guard lk(pendingMu_);
    pending_ = std::move(targets);
  }
  if (wakeFd_ >= 0) {
    const std::uint64_t one = 1;
    (void)!::write(wakeFd_, &one, sizeof one);
  }
}

std::vector<TargetStatus> Runner::status() const {
  std::lock_guard lk(statusMu_);
  return status_;
}

void Runner::publish() {
  std::vector<TargetStatus> out;
  out.reserve(slots_.size());
  for (const auto& [key, slot] : slots_) {
    const State& s = slot->state;
    out.push_back({key, s.up(), s.lastOutcome(), s.lastDetail(), s.consecutiveSuccesses(), s.consecutiveFailures()});
  }
  std::lock_guard lk(statusMu_);
  status_ = std::move(out);
}

void Runner::finish(Slot& slot, Outcome outcome, std::string detail) {
  slot.attempt.reset();
  slot.state.record(outcome, std::move(detail), Clock::now());
  publish();
}

void Runner::begin(Slot& slot, Clock::time_point now) {
  slot.state.started(now);
  const Target& t = slot.target;
  auto a = std::make_unique<Attempt>();
  a->deadline = now + t.spec.timeout;
  // The socket belongs to the namespace it is created in: enter the target's, create, come back.
  if (t.netnsFd >= 0 && ::setns(t.netnsFd, CLONE_NEWNET) != 0) {
    finish(slot, Outcome::Error, errnoText("entering the probe namespace", errno));
    return;
  }
  a->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int socketErr = errno;
  if (t.netnsFd >= 0 && ::setns(ownNs_, CLONE_NEWNET) != 0) {
    finish(slot, Outcome::Error, errnoText("leaving the probe namespace", errno));
    return;
  }
  if (a->fd < 0) {
    finish(slot, Outcome::Error, errnoText("socket", socketErr));
    return;
  }
  if (!t.sourceIp.empty()) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    if (::inet_pton(AF_INET, t.sourceIp.c_str(), &src.sin_addr) != 1 ||
        ::bind(a->fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      finish(slot, Outcome::Error, errnoText(("binding probe source " + t.sourceIp).c_str(), errno));
      return;
    }
  }
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(t.spec.port);
  if (::inet_pton(AF_INET, t.destination.c_str(), &dst.sin_addr) != 1) {
    finish(slot, Outcome::Error, "bad destination " + t.destination);
    return;
  }
  if (::connect(a->fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) {
    const int err = errno;
    finish(slot, err == ECONNREFUSED ? Outcome::Refused : Outcome::Error, errnoText("connect", err));
    return;
  }
  if (t.spec.protocol != Protocol::Tcp) {
    a->out = "GET " + t.spec.requestPath + " HTTP/1.1\r\nHost: " + t.destination + ":" + std::to_string(t.spec.port) +
             "\r\nUser-Agent: Load Balancer Agent\r\nConnection: close\r\n\r\n";
  }
  slot.attempt = std::move(a);
}

void Runner::step(Slot& slot, short revents) {
  Attempt& a = *slot.attempt;
  const Protocol protocol = slot.target.spec.protocol;
  if (a.phase == Attempt::Phase::Connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(a.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == 0 && (revents & (POLLOUT | POLLERR | POLLHUP)) == 0) return;
    if (err != 0) {
      finish(slot, err == ECONNREFUSED || err == ECONNRESET ? Outcome::Refused : Outcome::Error,
             err == ECONNREFUSED ? "connection refused" : errnoText("connect", err));
      return;
    }
    if (protocol == Protocol::Tcp) {
      finish(slot, Outcome::Success, "connected");  // the close that follows is a normal FIN
      return;
    }
    if (protocol == Protocol::Https) {
      a.ssl = SSL_new(tls_);
      if (a.ssl == nullptr || SSL_set_fd(a.ssl, a.fd) != 1) {
        finish(slot, Outcome::Error, "TLS setup failed");
        return;
      }
      SSL_set_connect_state(a.ssl);
      a.phase = Attempt::Phase::Handshake;
    } else {
      a.phase = Attempt::Phase::Sending;
    }
  }
  if (a.phase == Attempt::Phase::Handshake) {
    const int r = SSL_do_handshake(a.ssl);
    if (r != 1) {
      const int e = SSL_get_error(a.ssl, r);
      if (e == SSL_ERROR_WANT_READ) { a.events = POLLIN; return; }
      if (e == SSL_ERROR_WANT_WRITE) { a.events = POLLOUT; return; }
      ERR_clear_error();
      finish(slot, e == SSL_ERROR_SYSCALL && (errno == ECONNRESET || errno == 0) ? Outcome::Refused : Outcome::Error,
             "TLS handshake failed");
      return;
    }
    a.phase = Attempt::Phase::Sending;
  }
  if (a.phase == Attempt::Phase::Sending) {
    while (a.sent < a.out.size()) {
      const char* p = a.out.data() + a.sent;
      const int n = static_cast<int>(a.out.size() - a.sent);
      ssize_t w = 0;
      if (a.ssl != nullptr) {
        const int r = SSL_write(a.ssl, p, n);
        if (r <= 0) {
          const int e = SSL_get_error(a.ssl, r);
          if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
            a.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
            return;
          }
          ERR_clear_error();
          finish(slot, Outcome::Refused, "connection closed while sending the request");
          return;
        }
        w = r;
      } else {
        w = ::send(a.fd, p, static_cast<std::size_t>(n), MSG_NOSIGNAL);
        if (w < 0) {
          if (errno == EAGAIN) { a.events = POLLOUT; return; }
          finish(slot, errno == ECONNRESET || errno == EPIPE ? Outcome::Refused : Outcome::Error, errnoText("send", errno));
          return;
        }
      }
      a.sent += static_cast<std::size_t>(w);
    }
    a.phase = Attempt::Phase::Reading;
    a.events = POLLIN;
  }
  // Reading: until the status line is complete.
  char buf[2048];
  for (;;) {
    ssize_t n = 0;
    if (a.ssl != nullptr) {
      const int r = SSL_read(a.ssl, buf, sizeof buf);
      if (r <= 0) {
        const int e = SSL_get_error(a.ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          a.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
          return;
        }
        ERR_clear_error();
        n = 0;
      } else {
        n = r;
      }
    } else {
      n = ::recv(a.fd, buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == EAGAIN) return;
        finish(slot, errno == ECONNRESET ? Outcome::Refused : Outcome::Error, errnoText("recv", errno));
        return;
      }
    }
    if (n == 0) {
      finish(slot, Outcome::Refused, "connection closed before an HTTP status line");
      return;
    }
    a.in.append(buf, static_cast<std::size_t>(n));
    const auto eol = a.in.find("\r\n");
    if (eol != std::string::npos) {
      // "HTTP/1.1 200 OK"
      const std::string line = a.in.substr(0, eol);
      const auto sp = line.find(' ');
      const int code = sp == std::string::npos ? 0 : std::atoi(line.c_str() + sp + 1);
      if (line.rfind("HTTP/", 0) != 0 || code < 100 || code > 999) {
        finish(slot, Outcome::Error, "not an HTTP response");
      } else if (code == 200) {
        finish(slot, Outcome::Success, "HTTP 200");
      } else {
        finish(slot, Outcome::BadStatus, "HTTP " + std::to_string(code));
      }
      return;
    }
    if (a.in.size() > kMaxResponse) {
      finish(slot, Outcome::Error, "no HTTP status line in the first 8 KiB");
      return;
    }
  }
}

void Runner::run() {
  ownNs_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  std::vector<pollfd> pfds;
  std::vector<Slot*> owners;
  while (!stop_.load()) {
    std::optional<std::vector<Target>> incoming;
    {
      std::lock_guard lk(pendingMu_);
      incoming.swap(pending_);
    }
    auto now = Clock::now();
    if (incoming) {
      std::map<std::string, std::unique_ptr<Slot>> next;
      for (auto& t : *incoming) {
        const std::string key = t.key;  // t is moved from below
        auto old = slots_.find(key);
        if (old != slots_.end() && old->second->target.netnsFd == t.netnsFd &&
            old->second->target.sourceIp == t.sourceIp && old->second->target.destination == t.destination &&
            old->second->target.spec == t.spec) {
          next.emplace(key, std::move(old->second));
        } else {
          next.emplace(key, std::make_unique<Slot>(std::move(t), now));
        }
      }
      slots_ = std::move(next);
      publish();
    }
    for (auto& [key, slot] : slots_)
      if (!slot->attempt && slot->state.nextDue() <= now) begin(*slot, now);

    pfds.assign(1, pollfd{wakeFd_, POLLIN, 0});
    owners.assign(1, nullptr);
    auto wakeAt = now + std::chrono::seconds(1);
    for (auto& [key, slot] : slots_) {
      if (slot->attempt) {
        pfds.push_back(pollfd{slot->attempt->fd, slot->attempt->events, 0});
        owners.push_back(slot.get());
        wakeAt = std::min(wakeAt, slot->attempt->deadline);
      } else {
        wakeAt = std::min(wakeAt, slot->state.nextDue());
      }
    }
    const auto waitMs = std::chrono::duration_cast<std::chrono::milliseconds>(wakeAt - now).count();
    const int ready = ::poll(pfds.data(), pfds.size(), static_cast<int>(std::clamp<long long>(waitMs + 1, 0, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (pfds[0].revents & POLLIN) {
      std::uint64_t drained = 0;
      (void)!::read(wakeFd_, &drained, sizeof drained);
    }
    for (std::size_t i = 1; i < pfds.size(); ++i)
      if (pfds[i].revents != 0 && owners[i]->attempt) step(*owners[i], pfds[i].revents);
    now = Clock::now();
    for (auto& [key, slot] : slots_)
      if (slot->attempt && now >= slot->attempt->deadline) {
        finish(*slot, Outcome::Timeout,
               "no answer within " +
                   std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(slot->target.spec.timeout).count()) +
                   " ms");
      }
  }
  for (auto& [key, slot] : slots_) slot->attempt.reset();
}

}  // namespace azlb::probes
