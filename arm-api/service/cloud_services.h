// Internal: the Microsoft.Compute/cloudServices type (Cloud Services extended support) — the
// package read from packageUrl (a local folder or .csdef, file:// allowed), validation of the
// csdef/cscfg/roleProfile/networkProfile as Azure does it, the stored body (with azlb's
// `properties.azlb`: the csdef text, its file, the roles' folder and the slot, which ARM answers
// never show), and the read-only views: roles, role instances, instance views, the VIP swap
// slot and azlb's own summary (/azlb/cloud-services).
#pragma once

#include <string>

#include "arm-api/common/arm_error.h"
#include "arm-api/common/resource_id.h"
#include "arm-api/service/state.h"
#include "common/result.h"
#include "emulator/cloudservice/definition.h"

namespace azlb::armservice::cloudsvc {

using armapi::ArmResult;
using armapi::ResourceId;

inline constexpr const char* kType = "Microsoft.Compute/cloudServices";
inline constexpr const char* kTypeLower = "microsoft.compute/cloudservices";

/// The PUT body as the stored body (properties only; the caller sets the envelope). Reads the
/// package, validates everything; InvalidParameter / InvalidResourceReference /
/// PublicIPAddressInUse naming what is wrong. Nothing is written.
ArmResult<json> normalize(const Txn& tx, const ResourceId& id, const json& request,
                          const Resource* existing);

/// The ARM answer: the stored body without `properties.azlb`.
json render(const json& stored);

/// The validated deployment of a stored body.
Result<cloudservice::Deployment> deploymentOf(const json& stored);

/// `roles` / `roleInstances` collections and one member; nullopt = no such role/instance.
json roles(const json& stored);
json roleInstances(const json& stored, const json& statuses, bool withInstanceView);
std::optional<json> role(const json& stored, const std::string& name);
std::optional<json> roleInstance(const json& stored, const std::string& name, const json& statuses,
                                 bool withInstanceView);
/// RoleInstanceView: update/fault domain and the RoleState status from the guest agent's.
json instanceView(const json& stored, const std::string& instanceName, const json& statuses);
/// The service's instanceView: role instance statuses summary.
json serviceInstanceView(const json& stored, const json& statuses);

/// The swap partner named by either side's swappableCloudService ("" = none).
std::string partnerKey(const Txn& tx, const Resource& cs);
/// Exchanges the networkProfile public IPs of the service and its partner and their slots.
ArmResult<bool> swap(Txn& tx, const Resource& cs);
/// The VIP swap slot resource: {id, name "swap", type, properties {slotType}}.
json slotResource(const Resource& cs);

/// azlb's summary of one service (the `azlb cloud-service show --json` document).
json summary(const Txn& tx, const Resource& cs, const json& statuses);

}  // namespace azlb::armservice::cloudsvc
