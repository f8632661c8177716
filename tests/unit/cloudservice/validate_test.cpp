// Azure's rules for a csdef joined with its cscfg: each broken rule is an error naming the
// element at fault; a valid pair becomes a Deployment with counts, settings and subnets.
#include <catch2/catch.hpp>

#include "emulator/cloudservice/parse.h"
#include "emulator/cloudservice/validate.h"

using namespace azlb::cloudservice;

namespace {

ServiceDefinition def(const std::string& body) {
  auto r = parseServiceDefinition(
      "<ServiceDefinition name=\"S\" xmlns=\"http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition\">\n" +
          body + "\n</ServiceDefinition>",
      "S.csdef");
  REQUIRE(r);
  return *r;
}

ServiceConfiguration cfg(const std::string& body, const std::string& service = "S") {
  auto r = parseServiceConfiguration("<ServiceConfiguration serviceName=\"" + service +
                                         "\" xmlns=\"http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration\">\n" +
                                         body + "\n</ServiceConfiguration>",
                                     "S.cscfg");
  REQUIRE(r);
  return *r;
}

std::string errorOf(const std::string& csdefBody, std::optional<std::string> cscfgBody = std::nullopt) {
  std::optional<ServiceConfiguration> c;
  if (cscfgBody) c = cfg(*cscfgBody);
  auto r = deploy(def(csdefBody), c);
  REQUIRE_FALSE(r);
  return r.error().message();
}

std::string worker(const std::string& name, const std::string& endpoints, const std::string& extra = "") {
  return "<WorkerRole name=\"" + name + "\"><Endpoints>" + endpoints + "</Endpoints>" + extra + "</WorkerRole>";
}

std::string input(const std::string& name, int port, const std::string& attrs = "protocol=\"tcp\"") {
  return "<InputEndpoint name=\"" + name + "\" " + attrs + " port=\"" + std::to_string(port) + "\"/>";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("without a cscfg every role runs one instance; with one, its counts, settings and subnets", "[cloudservice]") {
  const std::string body = worker("A", input("a", 80), "<ConfigurationSettings><Setting name=\"K\"/></ConfigurationSettings>") +
                           worker("B", input("b", 81));
  auto one = deploy(def(body), std::nullopt);
  REQUIRE(one);
  CHECK(one->roles.at(0).instanceCount == 1);
  CHECK(one->roles.at(0).settings.at(0).first == "K");
  auto r = deploy(def(body), cfg("<Role name=\"B\"><Instances count=\"2\"/></Role>"
                                 "<Role name=\"A\"><Instances count=\"3\"/><ConfigurationSettings><Setting name=\"K\" value=\"v\"/></ConfigurationSettings></Role>"
                                 "<NetworkConfiguration><VirtualNetworkSite name=\"net\"/><AddressAssignments><InstanceAddress roleName=\"B\"><Subnets><Subnet name=\"back\"/></Subnets></InstanceAddress></AddressAssignments></NetworkConfiguration>"));
  REQUIRE(r);
  REQUIRE(r->roles.size() == 2);
  CHECK(r->roles[0].role == 0);
  CHECK(r->roles[0].instanceCount == 3);
  CHECK(r->roles[0].settings.at(0).second == "v");
  CHECK(r->roles[1].instanceCount == 2);
  CHECK(r->roles[1].subnetName == "back");
  CHECK(r->virtualNetworkSite == "net");
}

TEST_CASE("cscfg roles must match the csdef, counts are required, settings declared", "[cloudservice]") {
  const std::string body = worker("A", input("a", 80), "<ConfigurationSettings><Setting name=\"K\"/></ConfigurationSettings>");
  const std::string k = "<ConfigurationSettings><Setting name=\"K\" value=\"v\"/></ConfigurationSettings>";
  CHECK(has(errorOf(body, "<Role name=\"A\"><Instances count=\"1\"/>" + k + "</Role><Role name=\"Z\"><Instances count=\"1\"/></Role>"),
            "S.cscfg:2:"));
  CHECK(has(errorOf(body, "<Role name=\"A\"><Instances count=\"1\"/>" + k + "</Role><Role name=\"Z\"><Instances count=\"1\"/></Role>"),
            "Role 'Z': is not a role of ServiceDefinition 'S'"));
  CHECK(has(errorOf(body, ""), "ServiceConfiguration: has no Role 'A' (defined at S.csdef:2:1)"));
  CHECK(has(errorOf(body, "<Role name=\"A\">" + k + "</Role>"), "Role 'A': Instances count is required"));
  CHECK(has(errorOf(body, "<Role name=\"A\"><Instances count=\"1\"/></Role>"), "Setting 'K' (declared in the ServiceDefinition) has no value"));
  CHECK(has(errorOf(body, "<Role name=\"A\"><Instances count=\"1\"/><ConfigurationSettings><Setting name=\"K\" value=\"v\"/><Setting name=\"X\" value=\"1\"/></ConfigurationSettings></Role>"),
            "Setting 'X' is not declared"));
  auto other = deploy(def(body), cfg("<Role name=\"A\"><Instances count=\"1\"/>" + k + "</Role>", "T"));
  REQUIRE_FALSE(other);
  CHECK(has(other.error().message(), "serviceName 'T' does not match the ServiceDefinition name 'S'"));
}

TEST_CASE("input endpoint public ports are unique per service, instance ranges included", "[cloudservice]") {
  CHECK(has(errorOf(worker("A", input("a", 80)) + worker("B", input("b", 80))), "InputEndpoint 'b': public port 80 is already taken by A/a"));
  const std::string range = "<InstanceInputEndpoint name=\"i\" protocol=\"tcp\" localPort=\"80\"><AllocatePublicPortFrom><FixedPortRange min=\"79\" max=\"81\"/></AllocatePublicPortFrom></InstanceInputEndpoint>";
  CHECK(has(errorOf(worker("A", input("a", 80) + range)), "InstanceInputEndpoint 'i': public port 80 is already taken by A/a"));
  CHECK(deploy(def(worker("A", input("a", 80, "protocol=\"tcp\"") + input("u", 81, "protocol=\"udp\""))), std::nullopt));
}

TEST_CASE("endpoint limits: 150 input per service, 25 internal per service, 5 per role", "[cloudservice]") {
  std::string many;
  for (int i = 0; i < 151; ++i) many += input("e" + std::to_string(i), 1000 + i);
  CHECK(has(errorOf(worker("A", many)), "InputEndpoint 'e150': a service has at most 150 input endpoints"));
  auto internals = [](int n, const std::string& prefix) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "<InternalEndpoint name=\"" + prefix + std::to_string(i) + "\" protocol=\"tcp\"/>";
    return s;
  };
  CHECK(has(errorOf(worker("A", internals(6, "i"))), "InternalEndpoint 'i5': a role has at most 5 internal endpoints"));
  std::string roles;
  for (int r = 0; r < 6; ++r) roles += worker("R" + std::to_string(r), internals(5, "i"));
  CHECK(has(errorOf(roles), "a service has at most 25 internal endpoints"));
}

TEST_CASE("https needs a declared certificate; protocols per endpoint kind; web roles need http", "[cloudservice]") {
  CHECK(has(errorOf(worker("A", input("s", 443, "protocol=\"https\""))), "InputEndpoint 's': an https endpoint needs a 'certificate'"));
  CHECK(has(errorOf(worker("A", input("s", 443, "protocol=\"https\" certificate=\"c\""))), "certificate 'c' is not declared"));
  CHECK(deploy(def(worker("A", input("s", 443, "protocol=\"https\" certificate=\"c\""), "<Certificates><Certificate name=\"c\" storeLocation=\"LocalMachine\" storeName=\"My\"/></Certificates>")),
               std::nullopt));
  CHECK(has(errorOf(worker("A", input("s", 1, "protocol=\"any\""))), "protocol must be http, https, tcp or udp"));
  CHECK(has(errorOf(worker("A", "<InstanceInputEndpoint name=\"i\" protocol=\"http\" localPort=\"80\"><AllocatePublicPortFrom><FixedPortRange min=\"1\" max=\"2\"/></AllocatePublicPortFrom></InstanceInputEndpoint>")),
            "InstanceInputEndpoint 'i': protocol must be tcp or udp"));
  CHECK(has(errorOf("<WebRole name=\"W\"><Endpoints>" + input("t", 80) + "</Endpoints></WebRole>"), "WebRole 'W': a web role needs an http or https InputEndpoint"));
}

TEST_CASE("a FixedPortRange smaller than the instance count is an error, not a truncation", "[cloudservice]") {
  const std::string body = worker("A", "<InstanceInputEndpoint name=\"i\" protocol=\"tcp\" localPort=\"80\"><AllocatePublicPortFrom><FixedPortRange min=\"10110\" max=\"10111\"/></AllocatePublicPortFrom></InstanceInputEndpoint>");
  CHECK(deploy(def(body), cfg("<Role name=\"A\"><Instances count=\"2\"/></Role>")));
  const std::string e = errorOf(body, "<Role name=\"A\"><Instances count=\"3\"/></Role>");
  CHECK(has(e, "S.csdef:2:"));
  CHECK(has(e, "FixedPortRange 10110-10111 holds 2 ports but the role has 3 instances"));
}

TEST_CASE("a probe an endpoint names must exist and only input endpoints take one", "[cloudservice]") {
  CHECK(has(errorOf(worker("A", input("a", 80, "protocol=\"http\" loadBalancerProbe=\"Nope\""))), "loadBalancerProbe 'Nope' is not a LoadBalancerProbe of the service"));
  const std::string probes = "<LoadBalancerProbes><LoadBalancerProbe name=\"P\" protocol=\"tcp\"/></LoadBalancerProbes>";
  CHECK(deploy(def(probes + worker("A", input("a", 80, "protocol=\"http\" loadBalancerProbe=\"P\""))), std::nullopt));
  CHECK(has(errorOf(probes + worker("A", "<InternalEndpoint name=\"i\" protocol=\"tcp\" loadBalancerProbe=\"P\"/>")), "only an InputEndpoint takes a loadBalancerProbe"));
}

TEST_CASE("traffic rules name internal endpoints and roles of the service", "[cloudservice]") {
  const std::string roles = worker("FE", input("web", 80)) + worker("BE", "<InternalEndpoint name=\"db\" protocol=\"tcp\" port=\"5432\"/>");
  auto rule = [](const std::string& dest, const std::string& from) {
    return "<NetworkTrafficRules><OnlyAllowTrafficTo><Destinations><RoleEndpoint endpointName=\"" + dest + "\" roleName=\"BE\"/></Destinations>"
           "<WhenSource matches=\"AnyRule\"><FromRole roleName=\"" + from + "\"/></WhenSource></OnlyAllowTrafficTo></NetworkTrafficRules>";
  };
  auto ok = deploy(def(roles + rule("db", "FE")), std::nullopt);
  REQUIRE(ok);
  CHECK(ok->definition.trafficRules.at(0).fromRoles == std::vector<std::string>{"FE"});
  CHECK(has(errorOf(roles + rule("nope", "FE")), "RoleEndpoint 'BE/nope' is not an InternalEndpoint"));
  CHECK(has(errorOf(roles + rule("db", "Ghost")), "FromRole roleName 'Ghost' is not a role of the service"));
}

TEST_CASE("defaultConfiguration is a cscfg that deploys the definition with one instance per role", "[cloudservice]") {
  const ServiceDefinition d = def(worker("A&B", input("a", 80), "<ConfigurationSettings><Setting name=\"K\"/></ConfigurationSettings>"));
  const std::string text = defaultConfiguration(d);
  CHECK(has(text, "name=\"A&amp;B\""));
  auto c = parseServiceConfiguration(text, "default.cscfg");
  REQUIRE(c);
  auto r = deploy(d, *c);
  REQUIRE(r);
  CHECK(r->roles.at(0).instanceCount == 1);
}
