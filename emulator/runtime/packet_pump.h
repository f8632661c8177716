// The forwarding loop of a data-plane process: poll the engine's TUN fds, read a batch of up to
// N packets from each ready fd into preallocated PacketBufs, let the engine decide each packet,
// write the forwarded ones, and between batches let the engine swap in a new snapshot and expire
// flows. No allocation, lock or syscall beyond read/write per packet (STYLE §3, §11).
// Not here: what a packet means (the engines), sockets and snapshots (control_server.h).
#pragma once

#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"
#include "emulator/dataplane/counters.h"
#include "emulator/dataplane/nanos.h"
#include "emulator/dataplane/packet_buf.h"
#include "emulator/runtime/vnet_header.h"

namespace azlb::runtime {

/// Returned by Engine::process for a packet that is not to be written anywhere.
inline constexpr std::uint32_t kDropPacket = 0xFFFFFFFFU;

struct PumpOptions {
  std::size_t batchSize = 32;      ///< packets read per ready fd before moving on
  std::size_t packetCapacity = 65535;  ///< bytes per buffer (the largest IPv4 packet)
  std::chrono::milliseconds tick{100};  ///< housekeeping period (flow expiry, stats)
  /// Every fd is a TUN with IFF_VNET_HDR: each read and write carries a VirtioNetHdr in front,
  /// translated to and from PacketBuf::offload().
  bool vnetHdr = false;
};

/// Packets and bytes through the pump, and writes that failed. Written by the forwarding thread
/// only; any thread may read.
struct PumpCounters {
  dataplane::Counter rxPackets;
  dataplane::Counter rxBytes;
  dataplane::Counter txPackets;
  dataplane::Counter txBytes;
  dataplane::Counter writeFailed;
  dataplane::Counter readFailed;
};

/// Monotonic time for the data plane (steady_clock since its epoch).
inline dataplane::Nanos monotonicNow() {
  return std::chrono::duration_cast<dataplane::Nanos>(
      std::chrono::steady_clock::now().time_since_epoch());
}

/// Writes one packet to `fd` (after a virtio-net header made from its offload state when
/// `vnetHdr`) and counts it in `counters`: tx on success, writeFailed otherwise (EAGAIN
/// included: a full queue drops, as a link would).
inline void writePacket(int fd, const dataplane::PacketBuf& packet, bool vnetHdr, PumpCounters& counters) {
  const auto bytes = packet.data();
  VirtioNetHdr header = toVirtioNetHdr(packet.offload());
  iovec iov[2] = {{&header, sizeof header}, {const_cast<std::uint8_t*>(bytes.data()), bytes.size()}};
  const std::size_t expected = bytes.size() + (vnetHdr ? sizeof header : 0);
  ssize_t written = -1;
  do {
    written = vnetHdr ? ::writev(fd, iov, 2) : ::write(fd, bytes.data(), bytes.size());
  } while (written < 0 && errno == EINTR);
  if (written == static_cast<ssize_t>(expected)) {
    counters.txPackets.add();
    counters.txBytes.add(bytes.size());
  } else {
    counters.writeFailed.add();
  }
}

/// Runs the forwarding loop on the calling thread until `stop` is set (then writing to `wakeFd`,
/// an eventfd, makes it notice at once). The engine provides:
///   bool refresh(Nanos now)        between batches: take a posted snapshot; true when ports()
///                                  changed
///   std::span<const int> ports()   the fds it reads and writes; the index is the port number
///   std::uint32_t process(std::uint32_t inPort, PacketBuf&, Nanos now)
///                                  the out port, or kDropPacket (counted by the engine)
///   void batchDone()               after each batch's writes: publish cheap stats (flow count)
///   void housekeeping(Nanos now)   every options.tick: expire flows
///   PumpCounters& pumpCounters()
/// Errors: poll() failing with anything but EINTR. Read/write errors are counted, not fatal.
template <typename Engine>
Result<void> runPump(Engine& engine, int wakeFd, const std::atomic<bool>& stop,
                     const PumpOptions& options) {
  std::vector<dataplane::PacketBuf> batch;
  batch.reserve(options.batchSize);
  for (std::size_t i = 0; i < options.batchSize; ++i) batch.emplace_back(options.packetCapacity);
  std::vector<std::uint32_t> outPorts(options.batchSize, kDropPacket);
  std::vector<pollfd> pfds;
  PumpCounters& counters = engine.pumpCounters();

  auto rebuild = [&] {
    auto ports = engine.ports();
    pfds.assign(ports.size() + 1, pollfd{});
    for (std::size_t i = 0; i < ports.size(); ++i) pfds[i] = pollfd{ports[i], POLLIN, 0};
    pfds.back() = pollfd{wakeFd, POLLIN, 0};
  };
  rebuild();

  auto nextTick = monotonicNow();
  while (!stop.load(std::memory_order_acquire)) {
    dataplane::Nanos now = monotonicNow();
    if (engine.refresh(now)) rebuild();
    if (now >= nextTick) {
      engine.housekeeping(now);
      nextTick = now + options.tick;
    }
    const int ready = ::poll(pfds.data(), pfds.size(), static_cast<int>(options.tick.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return fail("poll (forwarding thread)", errno);
    }
    if (ready == 0) continue;
    if (pfds.back().revents & POLLIN) {
      std::uint64_t drained = 0;
      (void)!::read(wakeFd, &drained, sizeof drained);
    }
    const auto ports = engine.ports();
    for (std::size_t port = 0; port + 1 < pfds.size(); ++port) {
      const short revents = pfds[port].revents;
      if (revents == 0) continue;
      if ((revents & POLLIN) == 0) {
        // POLLERR/POLLNVAL without data: stop polling this fd until the ports change, rather
        // than spin on it.
        counters.readFailed.add();
        pfds[port].fd = -1;
        continue;
      }
      std::size_t count = 0;
      while (count < batch.size()) {
        auto area = batch[count].receiveArea();
        VirtioNetHdr header;
        iovec iov[2] = {{&header, sizeof header}, {area.data(), area.size()}};
        const ssize_t n = options.vnetHdr ? ::readv(pfds[port].fd, iov, 2)
                                          : ::read(pfds[port].fd, area.data(), area.size());
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno != EAGAIN) counters.readFailed.add();
          break;
        }
        if (n == 0) break;
        std::size_t length = static_cast<std::size_t>(n);
        if (options.vnetHdr) {
          if (length <= sizeof header) {
            counters.readFailed.add();
            continue;
          }
          length -= sizeof header;
        }
        batch[count].resize(length);
        if (options.vnetHdr) batch[count].offload() = toOffload(header);
        counters.rxPackets.add();
        counters.rxBytes.add(static_cast<std::uint64_t>(n));
        ++count;
      }
      if (count == 0) continue;
      now = monotonicNow();
      for (std::size_t i = 0; i < count; ++i) {
        outPorts[i] = engine.process(static_cast<std::uint32_t>(port), batch[i], now);
      }
      for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t out = outPorts[i];
        if (out == kDropPacket) continue;
        if (out >= ports.size()) {
          counters.writeFailed.add();
          continue;
        }
        writePacket(ports[out], batch[i], options.vnetHdr, counters);
      }
      engine.batchDone();
    }
  }
  return {};
}

}  // namespace azlb::runtime
