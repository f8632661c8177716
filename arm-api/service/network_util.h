// Internal helpers shared by the Microsoft.Network types: references, child lookup, users of a
// public IP / subnet / pool, private address allocation.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "arm-api/common/ipv4.h"
#include "arm-api/common/json_access.h"
#include "arm-api/service/network.h"

namespace azlb::armservice::network {

using armapi::armFail;
namespace errors = armapi::errors;

/// obj[key].id when obj[key] is a reference object ({"id": "..."}).
std::optional<std::string> refOf(const json& obj, const char* key);
/// item.properties (an empty object when absent).
const json& propsOf(const json& item);
/// body.properties[collection] (an empty array when absent).
const json& itemsOf(const json& body, const char* collection);
/// Lower-case key of an id as a client wrote it ("/resourcegroups/" or "/resourceGroups/").
std::string refKey(const std::string& id);
/// The top-level resource an id (or a child id inside it) points into.
const Resource* findTopLevel(const Txn& tx, const std::string& id);
/// A child item (e.g. a subnet or backend pool) by its full id; nullptr when absent.
const json* findChildById(const Txn& tx, const std::string& id, const char* collection);
/// The named item of body.properties[collection] (case-insensitive), or nullptr.
const json* childByName(const json& body, const char* collection, std::string_view name);

/// Ids of LB frontends, NIC ipConfigurations and cloud-service frontends that use the public IP
/// (by key).
std::vector<std::string> publicIpUsers(const Txn& tx, const std::string& pipKey);
/// Ids of NIC ipConfigurations and LB frontends in the subnet (by key), with their addresses.
struct SubnetUser {
  std::string id;
  std::string ip;
};
std::vector<SubnetUser> subnetUsers(const Txn& tx, const std::string& subnetKey);
/// NIC ipConfiguration ids whose `refField` array holds a reference with the given key.
std::vector<std::string> nicConfigsReferencing(const Txn& tx, const char* refField,
                                               const std::string& targetKey);

/// The first free address of the subnet (Azure reserves the first four and the last), skipping
/// addresses used by others (except owners whose id starts with exceptOwnerPrefix) and `taken`.
std::optional<uint32_t> allocatePrivateIp(const Txn& tx, const std::string& subnetId,
                                          const armapi::Ipv4Prefix& prefix,
                                          const std::string& exceptOwnerPrefix,
                                          const std::set<uint32_t>& taken);
/// The subnet's IPv4 prefix (addressPrefix or the first of addressPrefixes).
std::optional<armapi::Ipv4Prefix> subnetPrefix(const json& subnet);

/// The first free address of the public range (cfg.publicPrefix) after its network address,
/// never its last two (the broadcast, and azlb's default-outbound-access address) nor one inside
/// a public IP prefix; nullopt when the range is unparsable or exhausted. With `within` (a public
/// IP prefix's block): the first address of that block no public IP uses.
std::optional<uint32_t> freePublicIp(const Txn& tx, const std::string& publicPrefix,
                                     std::optional<armapi::Ipv4Prefix> within = std::nullopt);
/// The first aligned block of `length` in the public range that holds no public IP's address,
/// no other prefix, nor the range's first or last two addresses.
std::optional<armapi::Ipv4Prefix> freePublicBlock(const Txn& tx, const std::string& publicPrefix,
                                                  int length);
/// props.publicIPPrefix (a public IP or a frontend): nullptr when absent, the prefix when it
/// exists, InvalidResourceReference otherwise.
ArmResult<const Resource*> referencedPublicIpPrefix(const Txn& tx, const json& props,
                                                    const std::string& path,
                                                    const std::string& owner);

// --- addresses of NIC ipConfigurations and load balancer frontends ----------------------------

/// PublicIPAddressInUse unless the public IP is free for `ownerId`: users inside the stored
/// version of the parent (ids under parentId + "/") are replaced by this PUT, but two items of
/// the new body (recorded in `usedHere`, public IP key -> item id) are not.
ArmResult<bool> checkPublicIpFree(const Txn& tx, const Resource& pip, const std::string& parentId,
                                  const std::string& ownerId,
                                  std::map<std::string, std::string>& usedHere);

/// A Static private address as requested by an ipConfiguration or a frontend.
struct StaticIpRequest {
  const char* ownerKind;  // "IP configuration" or "Frontend IP configuration"
  std::string ownerId, parentId, ipText, subnetId;
  std::optional<armapi::Ipv4Prefix> prefix;  // the subnet's
  std::string target;                        // path of privateIPAddress
  const char* reservedNote;                  // added to PrivateIPAddressIsReserved's message, or ""
};
/// The address, when valid, in the subnet, not reserved and not used by another resource's
/// item (PrivateIPAddressInvalid, ...NotInSubnet, ...IsReserved, ...InUse).
ArmResult<uint32_t> checkStaticPrivateIp(const Txn& tx, const StaticIpRequest& req);

/// A Dynamic private address: the one the item had in `existing` while it still fits the subnet
/// and is not taken here, else the first free one (SubnetIsFull when none).
struct DynamicIp {
  uint32_t addr;
  std::string text;  // as stored when kept, else formatted
};
ArmResult<DynamicIp> dynamicPrivateIp(const Txn& tx, const Resource* existing,
                                      const char* collection, const std::string& itemName,
                                      const std::string& subnetId,
                                      const std::optional<armapi::Ipv4Prefix>& prefix,
                                      const std::string& parentId, const std::set<uint32_t>& taken);

/// Sets id/name/type/etag on each item of properties[collection], checks names (present,
/// unique case-insensitively) and removes the read-only fields listed.
ArmResult<json> normalizeChildren(const json& props, const char* collection,
                                  const std::string& parentId, const std::string& parentType,
                                  std::initializer_list<const char*> readOnly);

json subRef(const std::string& id);

}  // namespace azlb::armservice::network
