#include "emulator/routing/bgp_speaker.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace azlb::routing {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kReconnectDelay{1000};

sockaddr_in socketAddress(Ipv4Address a, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(a.value);
  return sa;
}

/// A connected TCP socket from `local` to peer:179 within 1 s, or -1 (errno kept in `why`).
int connectTo(Ipv4Address local, Ipv4Address peer, std::uint16_t port, std::string& why) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    why = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto src = socketAddress(local, 0);
  auto dst = socketAddress(peer, port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS)) {
    why = std::string("connect: ") + std::strerror(errno);
    close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = ETIMEDOUT;
  socklen_t len = sizeof err;
  if (poll(&p, 1, 1000) == 1) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    why = std::string("connect: ") + std::strerror(err);
    close(fd);
    return -1;
  }
  return fd;
}

std::vector<Ipv4Address> minus(const std::vector<Ipv4Address>& a,
                               const std::vector<Ipv4Address>& b) {
  std::vector<Ipv4Address> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

BgpSpeaker::BgpSpeaker(BgpSpeakerOptions options) : opts_(std::move(options)) {}

BgpSpeaker::~BgpSpeaker() {
  shutdown();
  if (wakeFd_ >= 0) close(wakeFd_);
}

Result<void> BgpSpeaker::start() {
  wakeFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0) return fail("eventfd for the BGP speaker", errno);
  thread_ = std::thread([this] { run(); });
  return {};
}

void BgpSpeaker::announce(std::vector<Ipv4Address> routes) {
  std::sort(routes.begin(), routes.end());
  routes.erase(std::unique(routes.begin(), routes.end()), routes.end());
  {
    std::lock_guard lk(mu_);
    if (routes == wanted_) return;
    wanted_ = std::move(routes);
    ++wantedGeneration_;
  }
  const std::uint64_t one = 1;
  if (wakeFd_ >= 0) (void)!write(wakeFd_, &one, sizeof one);
}

void BgpSpeaker::shutdown() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  const std::uint64_t one = 1;
  (void)!write(wakeFd_, &one, sizeof one);
  thread_.join();
}

BgpSessionStatus BgpSpeaker::status() const {
  std::lock_guard lk(mu_);
  return status_;
}

void BgpSpeaker::setState(const std::string& s) {
  std::lock_guard lk(mu_);
  status_.state = s;
  if (s == "Established") ++status_.establishedCount;
  if (s != "Established") status_.announced = 0;
}

void BgpSpeaker::setError(const std::string& e) {
  {
    std::lock_guard lk(mu_);
    if (status_.lastError == e && status_.state == "Connect") return;  // quiet while retrying
    status_.lastError = e;
  }
  std::fprintf(stderr, "%s: BGP session to %s: %s\n", opts_.what.c_str(),
               opts_.peer.toString().c_str(), e.c_str());
}

void BgpSpeaker::waitWake(milliseconds d) {
  pollfd p{wakeFd_, POLLIN, 0};
  poll(&p, 1, static_cast<int>(d.count()));
  std::uint64_t n = 0;
  (void)!read(wakeFd_, &n, sizeof n);
}

void BgpSpeaker::run() {
  while (!stopping_.load()) {
    setState("Connect");
    std::string why;
    const int fd = connectTo(opts_.local, opts_.peer, opts_.peerPort, why);
    if (fd < 0) {
      setError(why);
      waitWake(kReconnectDelay);
      continue;
    }
    const End end = session(fd);
    close(fd);
    setState("Idle");
    if (end == End::Stopping) break;
    waitWake(kReconnectDelay);
  }
  setState("Idle");
}

bool BgpSpeaker::send(int fd, const std::vector<std::uint8_t>& bytes) {
  std::size_t off = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (Clock::now() > deadline) return false;
    pollfd p{fd, POLLOUT, 0};
    poll(&p, 1, 100);
  }
  return true;
}

/// Sends the difference between what the peer holds and what is wanted.
bool BgpSpeaker::sync(int fd) {
  std::vector<Ipv4Address> wanted;
  {
    std::lock_guard lk(mu_);
    wanted = wanted_;
    sentGeneration_ = wantedGeneration_;
  }
  for (const auto& m : encodeUpdates(minus(sent_, wanted), minus(wanted, sent_), opts_.localAs,
                                     fourOctet_, opts_.local))
    if (!send(fd, m)) return false;
  sent_ = std::move(wanted);
  std::lock_guard lk(mu_);
  status_.announced = sent_.size();
  return true;
}

/// One received message; false ends the session (the reason is recorded).
bool BgpSpeaker::handle(int fd, const BgpFrame& f) {
  switch (f.type) {
    case BgpType::Open: {
      auto open = decodeOpen(f.body);
      if (!open) return setError(open.error().message()), false;
      if (open->version != 4 || (opts_.peerAs != 0 && open->as != opts_.peerAs)) {
        (void)send(fd, encodeNotification({kOpenMessageError, kBadPeerAs}));
        setError("peer AS " + std::to_string(open->as) + ", expected " +
                 std::to_string(opts_.peerAs));
        return false;
      }
      hold_ = std::min(opts_.holdTime, open->holdTime);
      fourOctet_ = open->fourOctetAs;
      openReceived_ = true;
      setState("OpenConfirm");
      return send(fd, encodeKeepalive());
    }
    case BgpType::Keepalive:
      if (openReceived_ && !established_) {
        established_ = true;
        setState("Established");
        std::fprintf(stderr, "%s: BGP session to %s established (hold time %u s)\n",
                     opts_.what.c_str(), opts_.peer.toString().c_str(), hold_);
        return sync(fd);
      }
      return true;
    case BgpType::Notification: {
      auto n = decodeNotification(f.body);
      setError(n ? "peer sent NOTIFICATION " + describe(*n) : n.error().message());
      return false;
    }
    case BgpType::Update:
      return true;  // the router announces nothing to MUXes (its export is none)
  }
  return true;
}

BgpSpeaker::End BgpSpeaker::session(int fd) {
  sent_.clear();
  established_ = openReceived_ = fourOctet_ = false;
  hold_ = opts_.holdTime;
  if (!send(fd, encodeOpen({4, opts_.localAs, opts_.holdTime, opts_.local, true, true})))
    return setError("sending OPEN failed"), End::Failed;
  setState("OpenSent");
  std::vector<std::uint8_t> buf;
  auto lastRecv = Clock::now(), lastSent = Clock::now();
  for (;;) {
    const auto holdDur = std::chrono::seconds(hold_);
    const auto keepalive = holdDur / 3;
    pollfd p[2] = {{fd, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    poll(p, 2, 100);
    if (p[1].revents & POLLIN) {
      std::uint64_t n = 0;
      (void)!read(wakeFd_, &n, sizeof n);
    }
    const auto now = Clock::now();
    if (stopping_.load()) {
      if (established_) {
        for (const auto& m : encodeUpdates(sent_, {}, opts_.localAs, fourOctet_, opts_.local))
          (void)send(fd, m);
        (void)send(fd, encodeNotification({kCease, kCeaseAdministrativeShutdown}));
        std::fprintf(stderr, "%s: BGP session to %s: withdrew %zu route(s), Cease sent\n",
                     opts_.what.c_str(), opts_.peer.toString().c_str(), sent_.size());
      }
      return End::Stopping;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      std::uint8_t chunk[4096];
      const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        return setError(n == 0 ? "peer closed the connection" : std::strerror(errno)),
               End::PeerClosed;
      if (n > 0) {
        buf.insert(buf.end(), chunk, chunk + n);
        lastRecv = now;
      }
      for (;;) {
        auto f = splitFrame(buf);
        if (!f) return setError(f.error().message()), End::Failed;
        if (!*f) break;
        const std::size_t used = (*f)->size;
        if (!handle(fd, **f)) return End::Failed;
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
      }
    }
    bool changed = false;
    {
      std::lock_guard lk(mu_);
      changed = wantedGeneration_ != sentGeneration_;
    }
    if (established_ && changed && !sync(fd)) return setError("sending UPDATE failed"), End::Failed;
    if (now - lastSent >= keepalive) {
      if (!send(fd, encodeKeepalive())) return setError("sending KEEPALIVE failed"), End::Failed;
      lastSent = now;
    }
    if (now - lastRecv > holdDur) {
      (void)send(fd, encodeNotification({kHoldTimerExpired, 0}));
      return setError("hold timer expired"), End::Failed;
    }
  }
}

}  // namespace azlb::routing
