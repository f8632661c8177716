// Issue 3 end to end: a real `azlb serve` (test instance, its own public prefix and underlay)
// builds router, MUXes, host agents and VMs from what the ARM API is told; TCP from this (root)
// namespace to the frontend crosses them. Each VM runs a server (a thread of this test that
// entered the VM's namespace) that answers every line with the VM's name.
#include <map>
#include <set>

#include "emulator/runtime/control_client.h"
#include "tests/netns/lb_support.h"

using namespace azlb::lbtest;

namespace {

const ServeInstance kWhere{"lbt", "198.18.251.0/24", "100.127.0.0/16"};

json lbBody(const std::string& vnetId) {
  const std::string lb = kNet + "/loadBalancers/lb1";
  json addrs = json::array();
  for (int i = 0; i < 3; ++i)
    addrs.push_back({{"name", "vm" + std::to_string(i + 1)},
                     {"properties", {{"ipAddress", "10.0.0." + std::to_string(i + 4)}, {"virtualNetwork", {{"id", vnetId}}}}}});
  return {{"location", "westus"},
          {"sku", {{"name", "Standard"}}},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"name", "fe"}, {"properties", {{"publicIPAddress", {{"id", kNet + "/publicIPAddresses/pip1"}}}}}}}},
            {"backendAddressPools", {{{"name", "be"}, {"properties", {{"loadBalancerBackendAddresses", addrs}}}}}},
            {"loadBalancingRules",
             {{{"name", "web"},
               {"properties",
                {{"protocol", "Tcp"}, {"frontendPort", 80}, {"backendPort", 8080},
                 {"frontendIPConfiguration", {{"id", lb + "/frontendIPConfigurations/fe"}}},
                 {"backendAddressPool", {{"id", lb + "/backendAddressPools/be"}}}}}}}}}}};
}

}  // namespace

TEST_CASE("a load balancer made through the API balances real TCP across its backends and survives MUX and manager failures",
          "[lb-api]") {
  char tmpl[] = "/tmp/azlb-lbtest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir, kWhere);
    serve.start();
    serve.createVnet();
    REQUIRE(serve.put(kNet + "/publicIPAddresses/pip1", {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
    serve.putAndWait(kNet + "/loadBalancers/lb1", lbBody(kNet + "/virtualNetworks/vnet1"));
    const std::string vip = serve.get(kNet + "/publicIPAddresses/pip1")["properties"].value("ipAddress", "");
    REQUIRE(vip.rfind("198.18.251.", 0) == 0);

    json st = serve.status();
    REQUIRE(st["vms"].size() == 3);
    std::vector<std::unique_ptr<VmServer>> servers;
    for (const auto& vm : st["vms"]) servers.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));

    SECTION("300 connections reach all three backends, each within 40% of a fair share, and replies bypass the MUXes") {
      std::map<std::string, int> hits;
      for (int i = 0; i < 300; ++i) {
        Conn c(vip, 80);
        std::string first = c.ask();
        REQUIRE(!first.empty());
        REQUIRE(c.ask() == first);  // a connection never changes backend
        ++hits[first];
      }
      REQUIRE(hits.size() == 3);
      for (const auto& [vm, n] : hits) {
        INFO(vm << " got " << n);
        CHECK(n >= 60);
        CHECK(n <= 140);
      }
      // Direct server return, from the processes' own counters: every packet a MUX forwarded was
      // a client -> frontend packet some host agent delivered to a VM, and the replies left the
      // host agents straight for the router.
      std::uint64_t muxRx = 0, muxTx = 0, muxDropped = 0, lbInbound = 0, dsr = 0;
      auto read = [&] {
        muxRx = muxTx = muxDropped = lbInbound = dsr = 0;
        for (int i = 0; i < 2; ++i) {
          const auto mux = serve.processStatus("mux-" + std::to_string(i));
          muxRx += mux.rxPackets;
          muxTx += mux.txPackets;
          muxDropped += mux.droppedTotal();
        }
        for (int i = 0; i < 2; ++i) {
          const auto host = serve.processStatus("host-" + std::to_string(i));
          lbInbound += host.path("lbInbound");
          dsr += host.path("dsrOutbound");
        }
        return muxTx == lbInbound;
      };
      // The last connections' closing packets may still be in flight: let the counters settle.
      CHECK(waitFor(read, std::chrono::seconds(5)));
      INFO("mux rx " << muxRx << " tx " << muxTx << " dropped " << muxDropped << ", hosts lbInbound " << lbInbound
                     << " dsrOutbound " << dsr);
      CHECK(dsr >= 600);  // at least a SYN-ACK and two answers per connection
      CHECK(muxRx == muxTx + muxDropped);
    }

    SECTION("kill -9 of a MUX: 50 open connections keep working and new ones succeed") {
      std::vector<std::unique_ptr<Conn>> conns;
      std::vector<std::string> backend;
      for (int i = 0; i < 50; ++i) {
        conns.push_back(std::make_unique<Conn>(vip, 80));
        backend.push_back(conns.back()->ask());
        REQUIRE(!backend.back().empty());
      }
      pid_t mux0 = 0;
      const json before = serve.status();  // a named copy: a range-for over a temporary's member dangles
      for (const auto& p : before["processes"])
        if (p["kind"] == "mux" && p["index"] == 0) mux0 = p["pid"];
      REQUIRE(mux0 > 0);
      REQUIRE(kill(mux0, SIGKILL) == 0);
      for (int i = 0; i < 50; ++i) CHECK(conns[static_cast<size_t>(i)]->ask() == backend[static_cast<size_t>(i)]);
      for (int i = 0; i < 20; ++i) CHECK(!Conn(vip, 80).ask().empty());
      // The MUX is back in service with a new pid.
      CHECK(waitFor([&] {
        const json now = serve.status();
        for (const auto& p : now["processes"])
          if (p["kind"] == "mux" && p["index"] == 0) return p["pid"] != mux0 && p["pid"].get<int>() > 0;
        return false;
      }, std::chrono::seconds(10)));
    }

    SECTION("restarting azlb serve under traffic breaks no established connection") {
      std::vector<std::unique_ptr<Conn>> conns;
      std::vector<std::string> backend;
      for (int i = 0; i < 20; ++i) {
        conns.push_back(std::make_unique<Conn>(vip, 80));
        backend.push_back(conns.back()->ask());
      }
      serve.stop(SIGKILL);  // a crash: the data plane keeps forwarding on its own
      for (int i = 0; i < 20; ++i) CHECK(conns[static_cast<size_t>(i)]->ask() == backend[static_cast<size_t>(i)]);
      serve.start();  // adopts the running data plane
      REQUIRE(waitFor([&] { return serve.get(kNet + "/loadBalancers/lb1")["properties"].value("provisioningState", "") == "Succeeded"; },
                      std::chrono::seconds(30)));
      for (int i = 0; i < 20; ++i) CHECK(conns[static_cast<size_t>(i)]->ask() == backend[static_cast<size_t>(i)]);
      CHECK(!Conn(vip, 80).ask().empty());
    }
    servers.clear();
  }
  // serve got SIGTERM from its destructor: everything of the instance is gone.
  CHECK(Serve(dir, kWhere).leftoverNamespaces() == 0);
  fs::remove_all(dir);
}
