#include "netns/cleanup.h"

#include <cerrno>

#include "netns/namespace.h"
#include "netns/netlink.h"

namespace azlb::netns {

Result<CleanupReport> cleanup(std::string_view prefix, std::optional<std::string_view> instance) {
  if (!netns_model::isValidPrefix(prefix)) {
    return fail("cleanup prefix '" + std::string(prefix) + "'", EINVAL);
  }
  if (instance && !netns_model::isValidInstance(*instance)) {
    return fail("cleanup instance '" + std::string(*instance) + "'", EINVAL);
  }
  auto ours = [&](std::string_view name) {
    auto parsed = netns_model::parseName(name, prefix);
    return parsed && (!instance || parsed->instance == *instance);
  };

  CleanupReport report;

  auto rtnl = Rtnl::open();
  if (!rtnl) return unexpected(rtnl.error());
  auto links = rtnl->links();
  if (!links) return unexpected(links.error());
  for (const auto& link : *links) {
    if (!ours(link.name)) continue;
    auto removed = rtnl->deleteLink(link.name);
    if (removed) {
      report.links.push_back(link.name);
    } else if (removed.error().code.value() != ENODEV) {  // ENODEV: its peer went first
      report.failures.push_back(removed.error());
    }
  }

  auto names = NetNamespace::list();
  if (!names) return unexpected(names.error());
  for (const auto& name : *names) {
    if (!ours(name)) continue;
    if (auto removed = NetNamespace::remove(name); removed) {
      report.namespaces.push_back(name);
    } else {
      report.failures.push_back(removed.error());
    }
  }
  return report;
}

Result<CleanupReport> cleanup(const netns_model::Naming& naming) {
  return cleanup(naming.prefix(), std::string_view(naming.instance()));
}

}  // namespace azlb::netns
