// The csdef/cscfg readers: the brief's ProbeTenant (its typo rejected with its line), schema
// namespaces, every element azlb reads, unknown and Windows-only elements kept, and errors that
// name file, line and column.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "emulator/cloudservice/parse.h"

using namespace azlb::cloudservice;

namespace {

std::string readFixture(const std::string& name) {
  std::ifstream in(std::string(AZLB_SOURCE_DIR) + "/tests/fixtures/cloudservice/" + name);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The brief's text exactly as published: `<InputEndpointname="HTTP_Probe" ...` on line 27.
std::string brief() { return readFixture("ProbeTenant-brief.csdef"); }

std::string fixedBrief() {
  std::string s = brief();
  s.replace(s.find("InputEndpointname"), 17, "InputEndpoint name");
  return s;
}

std::string csdef(const std::string& body, const std::string& attrs = "") {
  return "<?xml version=\"1.0\"?>\n<ServiceDefinition name=\"S\" " + attrs +
         "xmlns=\"http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition\">\n" + body +
         "\n</ServiceDefinition>\n";
}

std::string errorOf(const std::string& xml) {
  auto r = parseServiceDefinition(xml, "S.csdef");
  REQUIRE_FALSE(r);
  return r.error().message();
}

}  // namespace

TEST_CASE("the brief's ProbeTenant typo is malformed XML named by file, line and column", "[cloudservice]") {
  auto r = parseServiceDefinition(brief(), "ServiceDefinition.csdef");
  REQUIRE_FALSE(r);
  const std::string m = r.error().message();
  CHECK(m.rfind("ServiceDefinition.csdef:27:", 0) == 0);
  CHECK(m.find("malformed XML") != std::string::npos);
  CHECK(m.find("InputEndpointname") != std::string::npos);
}

TEST_CASE("the fixed ProbeTenant reads into roles, endpoints and the probe", "[cloudservice]") {
  auto r = parseServiceDefinition(fixedBrief(), "ServiceDefinition.csdef");
  REQUIRE(r);
  const ServiceDefinition& d = *r;
  CHECK(d.name == "ProbeTenant");
  REQUIRE(d.probes.size() == 1);
  CHECK(d.probes[0].name == "MyProbe");
  CHECK(d.probes[0].path == "Probe.aspx");
  CHECK(d.probes[0].intervalInSeconds == 5);
  CHECK(d.probes[0].timeoutInSeconds == 100);
  CHECK(d.probes[0].pos.line == 4);
  REQUIRE(d.roles.size() == 2);
  const Role& be = d.roles[0];
  CHECK(be.name == "BERole");
  CHECK_FALSE(be.webRole);
  REQUIRE(be.endpoints.size() == 4);
  CHECK(be.endpoints[0].kind == EndpointKind::Internal);
  CHECK(be.endpoints[0].port == 0);
  CHECK(be.endpoints[2].port == 80);
  CHECK(be.endpoints[3].kind == EndpointKind::InstanceInput);
  CHECK(be.endpoints[3].localPort == 80);
  REQUIRE(be.endpoints[3].fixedPortRange);
  CHECK(be.endpoints[3].fixedPortRange->min == 10210);
  CHECK(be.endpoints[3].fixedPortRange->max == 10220);
  const Role& fe = d.roles[1];
  REQUIRE(fe.endpoints.size() == 6);
  CHECK(fe.endpoints[2].protocol == EndpointProtocol::Udp);
  CHECK(fe.endpoints[3].name == "HTTP_Probe");
  CHECK(fe.endpoints[3].loadBalancerProbe == "MyProbe");
  CHECK(fe.endpoints[3].pos.line == 27);
  CHECK(fe.endpoints[3].pos.column == 9);
  CHECK(d.unknownElements.empty());
}

TEST_CASE("a wrong schema namespace is an error; a prefixed right one is read", "[cloudservice]") {
  const std::string wrong = "<ServiceDefinition name=\"S\" xmlns=\"urn:other\"><WorkerRole name=\"W\"/></ServiceDefinition>";
  CHECK(errorOf(wrong).find("namespace 'urn:other'") != std::string::npos);
  const std::string prefixed =
      "<sd:ServiceDefinition name=\"S\" xmlns:sd=\"http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition\">"
      "<sd:WorkerRole name=\"W\"/></sd:ServiceDefinition>";
  auto r = parseServiceDefinition(prefixed, "S.csdef");
  REQUIRE(r);
  CHECK(r->roles.at(0).name == "W");
  CHECK(errorOf("<ServiceConfiguration/>").find("root element must be ServiceDefinition") != std::string::npos);
}

TEST_CASE("unknown elements are kept with their place; Windows-only parts are reported as not run", "[cloudservice]") {
  auto r = parseServiceDefinition(csdef(R"(<WebRole name="Web">
  <Sites><Site name="Web"><Bindings><Binding name="b" endpointName="http"/></Bindings></Site></Sites>
  <Endpoints><InputEndpoint name="http" protocol="http" port="80"/></Endpoints>
  <Runtime executionContext="elevated"><EntryPoint><NetFxEntryPoint assemblyName="Web.dll"/></EntryPoint></Runtime>
  <Imports><Import moduleName="Diagnostics"/></Imports>
  <SomethingNew a="1"/>
</WebRole>
<Telemetry/>)"),
                                  "S.csdef");
  REQUIRE(r);
  REQUIRE(r->unknownElements.size() == 2);
  CHECK(r->unknownElements[0] == "SomethingNew (S.csdef:8:3)");
  CHECK(r->unknownElements[1] == "Telemetry (S.csdef:10:1)");
  const auto& notRun = r->roles.at(0).notRun;
  REQUIRE(notRun.size() == 4);
  CHECK(notRun[0].rfind("Sites", 0) == 0);
  CHECK(notRun[1].find("executionContext=elevated") != std::string::npos);
  CHECK(notRun[2].find("NetFxEntryPoint Web.dll") != std::string::npos);
  CHECK(notRun[3].rfind("Imports", 0) == 0);
}

TEST_CASE("start-up tasks, runtime environment, entry point and settings are read in order", "[cloudservice]") {
  auto r = parseServiceDefinition(csdef(R"(<WorkerRole name="W">
  <Startup>
    <Task commandLine="./one.sh"/>
    <Task commandLine="./two.sh" taskType="background"/>
    <Task commandLine="./three.sh" taskType="foreground"/>
  </Startup>
  <Runtime>
    <Environment>
      <Variable name="MODE" value="test"/>
      <Variable name="ID"><RoleInstanceValue xpath="/RoleEnvironment/CurrentInstance/@id"/></Variable>
    </Environment>
    <EntryPoint><ProgramEntryPoint commandLine="python3 w.py" setReadyOnProcessStart="true"/></EntryPoint>
  </Runtime>
  <ConfigurationSettings><Setting name="A"/><Setting name="B"/></ConfigurationSettings>
</WorkerRole>)"),
                                  "S.csdef");
  REQUIRE(r);
  const Role& w = r->roles.at(0);
  REQUIRE(w.startupTasks.size() == 3);
  CHECK(w.startupTasks[0].taskType == TaskType::Simple);
  CHECK(w.startupTasks[1].taskType == TaskType::Background);
  CHECK(w.startupTasks[2].taskType == TaskType::Foreground);
  CHECK(w.startupTasks[2].commandLine == "./three.sh");
  REQUIRE(w.environment.size() == 2);
  CHECK(w.environment[0].value == "test");
  CHECK(w.environment[1].roleInstanceValueXpath == "/RoleEnvironment/CurrentInstance/@id");
  CHECK(w.programEntryPoint == "python3 w.py");
  CHECK(w.setReadyOnProcessStart);
  CHECK(w.settingNames == std::vector<std::string>{"A", "B"});
}

TEST_CASE("schema errors name the element, its line and column", "[cloudservice]") {
  CHECK(errorOf(csdef("<WorkerRole name=\"W\"><Endpoints>\n  <InputEndpoint name=\"e\" protocol=\"tcp\"/></Endpoints></WorkerRole>")) ==
        "S.csdef:4:3: InputEndpoint 'e': attribute 'port' is required");
  CHECK(errorOf(csdef("<WorkerRole name=\"W\"><Endpoints><InputEndpoint name=\"e\" protocol=\"sctp\" port=\"1\"/></Endpoints></WorkerRole>"))
            .find("protocol must be http, https, tcp, udp or any, not 'sctp'") != std::string::npos);
  CHECK(errorOf(csdef("<WorkerRole name=\"W\"><Endpoints><InputEndpoint name=\"e\" protocol=\"tcp\" port=\"70000\"/></Endpoints></WorkerRole>"))
            .find("'port' must be an integer from 1 to 65535, not '70000'") != std::string::npos);
  CHECK(errorOf(csdef("<WorkerRole name=\"W\"><Endpoints><InstanceInputEndpoint name=\"i\" protocol=\"tcp\" localPort=\"80\"/></Endpoints></WorkerRole>"))
            .find("AllocatePublicPortFrom/FixedPortRange is required") != std::string::npos);
  CHECK(errorOf(csdef("<WorkerRole name=\"W\"><Endpoints><InternalEndpoint name=\"i\" protocol=\"tcp\"><FixedPortRange min=\"9\" max=\"3\"/></InternalEndpoint></Endpoints></WorkerRole>"))
            .find("max must not be below min") != std::string::npos);
  CHECK(errorOf(csdef("<LoadBalancerProbes><LoadBalancerProbe name=\"p\" protocol=\"http\"/></LoadBalancerProbes><WorkerRole name=\"W\"/>"))
            .find("an http probe needs a 'path'") != std::string::npos);
  CHECK(errorOf(csdef("<LoadBalancerProbes><LoadBalancerProbe name=\"p\" protocol=\"tcp\" intervalInSeconds=\"2\"/></LoadBalancerProbes><WorkerRole name=\"W\"/>"))
            .find("'intervalInSeconds' must be an integer from 5") != std::string::npos);
  CHECK(errorOf(csdef("")).find("at least one WebRole or WorkerRole") != std::string::npos);
  CHECK(errorOf(csdef("<WorkerRole name=\"W\"><Startup><Task commandLine=\"x\" taskType=\"later\"/></Startup></WorkerRole>"))
            .find("taskType must be simple, background or foreground") != std::string::npos);
}

TEST_CASE("probe defaults and internal endpoint ports", "[cloudservice]") {
  auto r = parseServiceDefinition(csdef(R"(<LoadBalancerProbes><LoadBalancerProbe name="p" protocol="tcp" port="81"/></LoadBalancerProbes>
<WorkerRole name="W"><Endpoints>
  <InternalEndpoint name="fixed" protocol="tcp"><FixedPort port="7000"/></InternalEndpoint>
  <InternalEndpoint name="range" protocol="udp"><FixedPortRange min="7100" max="7109"/></InternalEndpoint>
  <InputEndpoint name="auto" protocol="tcp" port="8080" localPort="*"/>
</Endpoints></WorkerRole>)"),
                                  "S.csdef");
  REQUIRE(r);
  CHECK(r->probes[0].intervalInSeconds == 15);
  CHECK(r->probes[0].timeoutInSeconds == 31);
  CHECK(r->probes[0].port == 81);
  const auto& eps = r->roles[0].endpoints;
  CHECK(eps[0].port == 7000);
  CHECK(eps[1].fixedPortRange->min == 7100);
  CHECK(eps[2].localPortAuto);
}

TEST_CASE("the cscfg reads counts, settings and the network configuration", "[cloudservice]") {
  const std::string xml = R"(<?xml version="1.0"?>
<ServiceConfiguration serviceName="S" osFamily="6" osVersion="*"
    xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration">
  <Role name="W">
    <Instances count="3" />
    <ConfigurationSettings><Setting name="A" value="1"/></ConfigurationSettings>
  </Role>
  <NetworkConfiguration>
    <VirtualNetworkSite name="vnet1"/>
    <AddressAssignments><InstanceAddress roleName="W"><Subnets><Subnet name="web"/></Subnets></InstanceAddress></AddressAssignments>
  </NetworkConfiguration>
</ServiceConfiguration>)";
  auto r = parseServiceConfiguration(xml, "S.cscfg");
  REQUIRE(r);
  CHECK(r->serviceName == "S");
  REQUIRE(r->roles.size() == 1);
  CHECK(r->roles[0].instances == 3);
  CHECK(r->roles[0].settings.at(0) == std::pair<std::string, std::string>{"A", "1"});
  REQUIRE(r->network);
  CHECK(r->network->virtualNetworkSite == "vnet1");
  CHECK(r->network->roleSubnets.at(0).second == "web");
  auto bad = parseServiceConfiguration("<ServiceConfiguration serviceName=\"S\">\n<Role name=\"W\"><Instances/></Role></ServiceConfiguration>", "S.cscfg");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() == "S.cscfg:2:16: Instances: attribute 'count' is required");
}
