// The virtio-net header <-> Offload translation the packet pump applies to every TUN read and
// write when offloads are on.
#include "emulator/runtime/vnet_header.h"

#include <catch2/catch.hpp>

using azlb::dataplane::Offload;
using azlb::runtime::toOffload;
using azlb::runtime::toVirtioNetHdr;
using azlb::runtime::VirtioNetHdr;

TEST_CASE("a TSO header from the kernel becomes an Offload and back unchanged", "[runtime][vnet]") {
  VirtioNetHdr h;
  h.flags = VirtioNetHdr::kFlagNeedsCsum;
  h.gsoType = 1 | VirtioNetHdr::kGsoEcn;  // TCPv4 with ECN
  h.hdrLen = 66;
  h.gsoSize = 1448;
  h.csumStart = 20;
  h.csumOffset = 16;
  const Offload o = toOffload(h);
  CHECK(o.needsCsum);
  CHECK(o.gso == Offload::Gso::TcpV4);
  CHECK(o.ecn);
  CHECK(o.gsoSize == 1448);
  CHECK(o.csumStart == 20);
  const VirtioNetHdr back = toVirtioNetHdr(o);
  CHECK(back.flags == h.flags);
  CHECK(back.gsoType == h.gsoType);
  CHECK(back.hdrLen == h.hdrLen);
  CHECK(back.gsoSize == h.gsoSize);
  CHECK(back.csumStart == h.csumStart);
  CHECK(back.csumOffset == h.csumOffset);
}

TEST_CASE("a packet without offloads writes an all-zero header", "[runtime][vnet]") {
  Offload o;
  o.hdrLen = 40;    // a stale hint without GSO is not written
  o.csumStart = 9;  // nor offsets without NEEDS_CSUM
  const VirtioNetHdr h = toVirtioNetHdr(o);
  CHECK(h.flags == 0);
  CHECK(h.gsoType == 0);
  CHECK(h.hdrLen == 0);
  CHECK(h.gsoSize == 0);
  CHECK(h.csumStart == 0);
  CHECK(h.csumOffset == 0);
  // DATA_VALID from the kernel is not NEEDS_CSUM.
  VirtioNetHdr valid;
  valid.flags = VirtioNetHdr::kFlagDataValid;
  CHECK_FALSE(toOffload(valid).needsCsum);
}
