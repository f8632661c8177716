// `azlb host-agent`: one host agent of the data plane, run inside its host namespace by the
// manager. Flags in, runtime::runHostAgent out (the process itself lives in emulator/runtime).
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "cli/args.h"
#include "cli/flag_reader.h"
#include "cli/commands/commands.h"
#include "emulator/dataplane/ipv4_address.h"
#include "emulator/runtime/processes.h"

namespace azlb::cli {

namespace {

const char* kHostAgentHelp =
    "usage: azlb host-agent --index J --socket PATH --tun NAME [flags]\n"
    "\n"
    "Runs host agent J in the current network namespace (the manager starts it in\n"
    "azlb<inst>-host<J>): creates the host TUN NAME; each snapshot routes the host's underlay\n"
    "range into it and puts a TUN with a default route into every (host, VNet) namespace it\n"
    "lists. Decapsulates load-balanced traffic to the VMs (DNAT), sends their replies straight\n"
    "to the router (direct server return) and carries VM-to-VM traffic within a VNet.\n"
    "\n"
    "  --index J             this host's number; snapshots for another host are rejected\n"
    "  --socket PATH         control socket (newline-delimited JSON)\n"
    "  --tun NAME            host TUN device to create (at most 15 characters)\n"
    "  --tun-mtu N           MTU of the host and VNet TUNs (default 65535: whole superpackets)\n"
    "  --vm-mtu N            MTU of the VMs' links; superpackets reach VMs in N-byte segments\n"
    "                        (default 1500)\n"
    "  --no-offload          plain TUNs: no virtio-net header, no TSO/checksum offload\n"
    "  --underlay-mtu N      drop VM-to-VM outer packets larger than N (default 65535)\n"
    "  --flows N             reverse-flow capacity (default 262144)\n"
    "  --batch N             packets read per batch (default 32)\n"
    "\n"
    "Needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root). SIGTERM or SIGINT stops it cleanly.\n";

}  // namespace

int runHostAgent(int argc, char** argv) {
  Args args;
  if (auto err = parseArgs(argc, argv, 2,
                           {"index", "socket", "tun", "tun-mtu", "vm-mtu", "underlay-mtu", "flows", "batch"},
                           {"help", "no-offload"}, args)) {
    std::fprintf(stderr, "azlb host-agent: %s\n\n%s", err->c_str(), kHostAgentHelp);
    return 2;
  }
  if (args.has("help")) {
    std::fputs(kHostAgentHelp, stdout);
    return 0;
  }
  runtime::HostAgentProcessOptions options;
  FlagReader flags("azlb host-agent", args);
  options.index = flags.number<std::uint32_t>("index", 0, 0, 99);
  options.socketPath = flags.required("socket");
  options.tunName = flags.required("tun");
  options.tunMtu = flags.number<unsigned>("tun-mtu", options.tunMtu, 576, 65535);
  options.underlayMtu = flags.number<std::size_t>("underlay-mtu", options.underlayMtu, 576, 65535);
  options.vmMtu = flags.number<std::size_t>("vm-mtu", options.vmMtu, 576, 65535);
  options.flowCapacity = flags.number<std::size_t>("flows", options.flowCapacity, 1, 1U << 26U);
  options.batchSize = flags.number<std::size_t>("batch", options.batchSize, 1, 1024);
  options.offload = !args.has("no-offload");
  if (!flags.ok()) {
    std::fputs(kHostAgentHelp, stderr);
    return 2;
  }
  return runtime::runHostAgent(options);
}

}  // namespace azlb::cli
