// A MUX's BGP speaker: one eBGP session from the MUX's router link to the router's routing
// daemon, announcing the frontend addresses the MUX serves as /32 host routes (Ananta: MUXes
// announce the VIPs, the router spreads flows over them by ECMP). It runs on its own thread:
// connect, OPEN, KEEPALIVEs every hold/3, UPDATEs whenever announce() changes the set, and on
// any failure closes and reconnects a second later. The session lives with the process: when the
// MUX dies the kernel closes the socket and the router withdraws its routes at once; a hung MUX
// loses them when the hold time (3 s) passes. shutdown() withdraws everything, sends Cease and
// closes: a MUX leaving on purpose drains before it stops forwarding.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "emulator/routing/bgp_message.h"

namespace azlb::routing {

struct BgpSpeakerOptions {
  Ipv4Address local{};  // our end of the router link: source, router id and NEXT_HOP
  Ipv4Address peer{};   // the router's end
  std::uint32_t localAs = 65100;
  std::uint32_t peerAs = 65000;  // 0: accept any
  std::uint16_t holdTime = 3;    // seconds; the session uses the smaller of both sides'
  std::uint16_t peerPort = 179;  // tests use another
  std::string what = "bgp";      // log prefix
};

struct BgpSessionStatus {
  std::string state = "Idle";  // Idle, Connect, OpenSent, OpenConfirm, Established
  std::size_t announced = 0;   // routes the peer holds from us
  std::uint64_t establishedCount = 0;
  std::string lastError;  // why the last session ended ("" before any)
};

class BgpSpeaker {
 public:
  explicit BgpSpeaker(BgpSpeakerOptions options);
  ~BgpSpeaker();
  BgpSpeaker(const BgpSpeaker&) = delete;
  BgpSpeaker& operator=(const BgpSpeaker&) = delete;

  /// Starts the session thread (it connects and reconnects on its own).
  Result<void> start();
  /// The routes to announce from now on (any order, duplicates ignored): the difference goes out
  /// as UPDATEs while the session is up, the whole set whenever it comes up.
  void announce(std::vector<Ipv4Address> routes);
  /// Withdraws every route, sends Cease, closes and joins the thread (waiting at most ~1 s for
  /// the socket). Idempotent.
  void shutdown();
  BgpSessionStatus status() const;

 private:
  enum class End { PeerClosed, Failed, Stopping };
  void run();
  End session(int fd);
  bool handle(int fd, const BgpFrame& f);
  bool sync(int fd);
  bool send(int fd, const std::vector<std::uint8_t>& bytes);
  void setState(const std::string& s);
  void setError(const std::string& e);
  void waitWake(std::chrono::milliseconds d);

  BgpSpeakerOptions opts_;
  int wakeFd_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;  // guards wanted_, wantedGeneration_, status_
  std::vector<Ipv4Address> wanted_;
  std::uint64_t wantedGeneration_ = 0;
  BgpSessionStatus status_;

  // Session thread only.
  std::vector<Ipv4Address> sent_;  // what the peer holds (sorted)
  std::uint64_t sentGeneration_ = 0;
  std::uint16_t hold_ = 3;
  bool fourOctet_ = false;
  bool established_ = false;
  bool openReceived_ = false;
};

}  // namespace azlb::routing
