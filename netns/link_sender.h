// A packet socket for writing whole Ethernet frames onto one link of a namespace (AF_PACKET,
// SOCK_RAW, protocol 0: it sends and never receives). The host agent uses one per VM link to hand
// a floating-IP packet to one VM when several VMs own the destination address. Not here: what
// goes in the frame (the host switch builds it), TUN devices (netns/tun.h).
#pragma once

#include <string_view>

#include "common/result.h"
#include "netns/fd.h"
#include "netns/namespace.h"

namespace azlb::netns {

/// Opens a nonblocking sender bound to link `link` of `ns` (the socket is made on a thread inside
/// `ns`). With `vnetHdr` (PACKET_VNET_HDR) every write starts with a struct virtio_net_hdr, like a
/// TUN with IFF_VNET_HDR, so partial checksums and TCP superpackets can be handed over.
/// Errors: ENODEV for an unknown link, EPERM without CAP_NET_RAW.
Result<Fd> openLinkSender(const NetNamespace& ns, std::string_view link, bool vnetHdr);

}  // namespace azlb::netns
