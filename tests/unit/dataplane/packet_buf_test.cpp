#include "emulator/dataplane/packet_buf.h"

#include <array>
#include <catch2/catch.hpp>
#include <utility>

#include "tests/unit/dataplane/packet_builder.h"

using namespace azlb::dataplane;
using azlb::testing::Bytes;

TEST_CASE("packet buf prepends into headroom without moving the packet", "[dataplane][buf]") {
  PacketBuf buf(256, 32);
  CHECK(buf.headroom() == 32);
  CHECK(buf.empty());
  REQUIRE(buf.assign(Bytes{1, 2, 3, 4}));
  const std::uint8_t* payload = buf.data().data();
  const auto front = buf.prepend(20);
  REQUIRE(front.size() == 20);
  CHECK(buf.size() == 24);
  CHECK(buf.headroom() == 12);
  CHECK(buf.data().data() + 20 == payload);
  CHECK(buf.data()[20] == 1);

  CHECK(buf.prepend(13).empty());  // only 12 left: refused, nothing changes
  CHECK(buf.size() == 24);

  REQUIRE(buf.trimFront(20));
  CHECK(buf.data().data() == payload);
  CHECK(buf.size() == 4);
  CHECK_FALSE(buf.trimFront(5));
}

TEST_CASE("packet buf resizes within its capacity and resets to its headroom", "[dataplane][buf]") {
  PacketBuf buf(64, 16);
  const auto area = buf.receiveArea();
  CHECK(area.size() == 64);
  area[0] = 0x45;
  REQUIRE(buf.resize(40));
  CHECK(buf.data()[0] == 0x45);
  CHECK(buf.tailroom() == 24);
  CHECK_FALSE(buf.resize(65));
  CHECK(buf.size() == 40);
  CHECK_FALSE(buf.assign(Bytes(65, 0)));
  buf.prepend(4);
  buf.reset();
  CHECK(buf.headroom() == 16);
  CHECK(buf.size() == 0);
}

TEST_CASE("packet buf can borrow storage and be moved", "[dataplane][buf]") {
  std::array<std::uint8_t, 100> storage{};
  PacketBuf borrowed(storage, 30);
  REQUIRE(borrowed.assign(Bytes{9, 9}));
  CHECK(borrowed.data().data() == storage.data() + 30);

  PacketBuf owned(128, 20);
  REQUIRE(owned.assign(Bytes{7}));
  PacketBuf moved(std::move(owned));
  CHECK(moved.size() == 1);
  CHECK(moved.data()[0] == 7);
  CHECK(owned.size() == 0);  // NOLINT(bugprone-use-after-move): moved-from is empty
  CHECK(owned.headroom() == 0);
}
