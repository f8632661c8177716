// Entry points of the two data-plane processes, one per namespace (ARCHITECTURE §1, §3):
//   runMux:       TUN for the frontend prefix -> MuxForwarder -> IP-in-IP back into the TUN.
//   runHostAgent: host TUN for its underlay range plus one TUN per (host, VNet) namespace ->
//                 HostSwitch (decap + DNAT to VMs, DSR replies, VM-to-VM within a VNet).
// Each runs a control thread (Unix socket, snapshots, status, signals; the calling thread) and
// one forwarding thread, and returns the process exit code after SIGTERM/SIGINT. The CLI
// (cli/flags.cpp) only parses flags into these options.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "emulator/dataplane/ipv4_address.h"

namespace azlb::runtime {

struct MuxProcessOptions {
  std::uint32_t index = 0;
  std::string socketPath;
  std::string tunName;
  dataplane::Ipv4Address underlay{};  ///< outer source; must not be an address of any interface
  std::string frontendPrefix = "198.18.0.0/16";  ///< routed into the TUN
  /// The underlay is a 65535-byte fabric: a TCP superpacket crosses it as one IP-in-IP frame.
  unsigned tunMtu = 65535;
  std::size_t underlayMtu = 65535;  ///< outer packets above it are dropped (TooBig)
  bool offload = true;  ///< TUN with IFF_VNET_HDR + TSO: superpackets instead of 1500-byte packets
  std::size_t flowCapacity = 262144;
  std::size_t batchSize = 32;
  /// BGP (serve --routing bgp): the router's end and ours of the MUX's router link. Unset: no
  /// session (static routing: the manager writes the router's routes).
  dataplane::Ipv4Address bgpPeer{}, bgpLocal{};
};

/// Runs `azlb mux` in the calling process's network namespace. Prints errors (with the fix
/// when known) on stderr; returns 0 after a termination signal, 1 on a start-up or fatal error.
int runMux(const MuxProcessOptions& options);

struct HostAgentProcessOptions {
  std::uint32_t index = 0;
  std::string socketPath;
  std::string tunName;
  unsigned tunMtu = 65535;  ///< host and VNet TUNs: whole superpackets from the underlay
  std::size_t underlayMtu = 65535;
  std::size_t vmMtu = 1500;  ///< the VMs' links: superpackets to a VM use segments of this size
  bool offload = true;       ///< as MuxProcessOptions::offload
  std::size_t flowCapacity = 262144;
  std::size_t batchSize = 32;
};

/// Runs `azlb host-agent` in the calling process's network namespace (the host namespace).
/// Returns like runMux.
int runHostAgent(const HostAgentProcessOptions& options);

}  // namespace azlb::runtime
