// Port assignment: instance input endpoints give instance i the range's min + i; local ports
// default to the public port; azlb's dynamic ports skip the role's fixed ones.
#include <catch2/catch.hpp>

#include "emulator/cloudservice/parse.h"
#include "emulator/cloudservice/ports.h"
#include "emulator/cloudservice/validate.h"

using namespace azlb::cloudservice;

namespace {

Deployment deployed(const std::string& endpoints) {
  auto d = parseServiceDefinition(
      "<ServiceDefinition name=\"S\" xmlns=\"http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition\">"
      "<WorkerRole name=\"W\"><Endpoints>" + endpoints + "</Endpoints></WorkerRole></ServiceDefinition>",
      "S.csdef");
  REQUIRE(d);
  auto r = deploy(*d, std::nullopt);
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("instance i of an instance input endpoint gets the range's min + i", "[cloudservice]") {
  const Deployment d = deployed("<InstanceInputEndpoint name=\"i\" protocol=\"tcp\" localPort=\"80\"><AllocatePublicPortFrom><FixedPortRange min=\"10110\" max=\"10120\"/></AllocatePublicPortFrom></InstanceInputEndpoint>");
  const Endpoint& ep = d.definition.roles[0].endpoints[0];
  CHECK(instancePublicPort(ep, 0) == 10110);
  CHECK(instancePublicPort(ep, 2) == 10112);
  CHECK(localPortOf(d, 0, 0) == 80);
}

TEST_CASE("local ports: input default = port, fixed internal ports, dynamic ports skip fixed ones", "[cloudservice]") {
  const Deployment d = deployed(
      "<InputEndpoint name=\"web\" protocol=\"http\" port=\"10000\"/>"
      "<InputEndpoint name=\"alt\" protocol=\"tcp\" port=\"10001\" localPort=\"8081\"/>"
      "<InternalEndpoint name=\"dyn1\" protocol=\"tcp\"/>"
      "<InternalEndpoint name=\"fixed\" protocol=\"tcp\"><FixedPort port=\"20001\"/></InternalEndpoint>"
      "<InternalEndpoint name=\"dyn2\" protocol=\"udp\"/>"
      "<InternalEndpoint name=\"range\" protocol=\"tcp\"><FixedPortRange min=\"20002\" max=\"20004\"/></InternalEndpoint>"
      "<InputEndpoint name=\"auto\" protocol=\"tcp\" port=\"10002\" localPort=\"*\"/>");
  CHECK(localPortOf(d, 0, 0) == 10000);
  CHECK(localPortOf(d, 0, 1) == 8081);
  CHECK(localPortOf(d, 0, 2) == kFirstDynamicPort);
  CHECK(localPortOf(d, 0, 3) == 20001);
  CHECK(localPortOf(d, 0, 4) == 20005);  // 20001..20004 are fixed
  CHECK(localPortOf(d, 0, 5) == 20002);
  CHECK(localPortOf(d, 0, 6) == 20006);
}
