// Internal: the request handlers the route table (routes.cpp) points at, one group per resource
// family and file. Each takes the service state and the routed call and returns the response;
// errors come from armapi::errors only.
#pragma once

#include "arm-api/service/routes.h"

namespace azlb::armservice::handlers {

// --- bootstrap.cpp: unauthenticated endpoints (readiness, data-plane observability, cloud
// metadata, the ADFS-style login) ---
ApiResponse ready(Service::Impl& impl, RouteCall& call);
ApiResponse probes(Service::Impl& impl, RouteCall& call);
ApiResponse metrics(Service::Impl& impl, RouteCall& call);
ApiResponse trace(Service::Impl& impl, RouteCall& call);
ApiResponse uiPage(Service::Impl& impl, RouteCall& call);
ApiResponse uiState(Service::Impl& impl, RouteCall& call);
ApiResponse metadataEndpoints(Service::Impl& impl, RouteCall& call);
ApiResponse adfsLogin(Service::Impl& impl, RouteCall& call);

// --- subscriptions.cpp: tenants, subscriptions, locations, resource providers ---
ApiResponse listTenants(Service::Impl& impl, RouteCall& call);
ApiResponse listSubscriptions(Service::Impl& impl, RouteCall& call);
ApiResponse getSubscription(Service::Impl& impl, RouteCall& call);
ApiResponse listLocations(Service::Impl& impl, RouteCall& call);
ApiResponse listProviders(Service::Impl& impl, RouteCall& call);
ApiResponse getProvider(Service::Impl& impl, RouteCall& call);

// --- operations.cpp: status and results of long-running operations ---
ApiResponse getOperationStatus(Service::Impl& impl, RouteCall& call);
ApiResponse getOperationResult(Service::Impl& impl, RouteCall& call);
ApiResponse getGroupDeletionResult(Service::Impl& impl, RouteCall& call);

// --- resource_groups.cpp: resource groups and the generic resources list ---
ApiResponse listResources(Service::Impl& impl, RouteCall& call);
ApiResponse listGroups(Service::Impl& impl, RouteCall& call);
ApiResponse getGroup(Service::Impl& impl, RouteCall& call);  // GET and HEAD
ApiResponse putGroup(Service::Impl& impl, RouteCall& call);  // PUT and PATCH
ApiResponse deleteGroup(Service::Impl& impl, RouteCall& call);
ApiResponse groupMethodNotAllowed(Service::Impl& impl, RouteCall& call);

// --- network_resources.cpp: top-level Microsoft.Network resources ---
ApiResponse listNetworkInSubscription(Service::Impl& impl, RouteCall& call);
ApiResponse listNetworkInGroup(Service::Impl& impl, RouteCall& call);
ApiResponse getNetworkResource(Service::Impl& impl, RouteCall& call);
ApiResponse putNetworkResource(Service::Impl& impl, RouteCall& call);
ApiResponse patchNetworkResource(Service::Impl& impl, RouteCall& call);
ApiResponse deleteNetworkResource(Service::Impl& impl, RouteCall& call);
ApiResponse networkResourceMethodNotAllowed(Service::Impl& impl, RouteCall& call);
/// Anything else under a resource group: the errors ARM gives, in ARM's order.
ApiResponse groupScopeFallback(Service::Impl& impl, RouteCall& call);

// --- network_children.cpp: child collections, related lists and POST actions ---
ApiResponse listCollection(Service::Impl& impl, RouteCall& call);
ApiResponse getChild(Service::Impl& impl, RouteCall& call);
ApiResponse putOrDeleteChild(Service::Impl& impl, RouteCall& call);
ApiResponse childMethodNotAllowed(Service::Impl& impl, RouteCall& call);
ApiResponse childAction(Service::Impl& impl, RouteCall& call);

// --- cloud_services.cpp: Microsoft.Compute/cloudServices, roles, role instances, VIP swap,
// and azlb's summary (/azlb/cloud-services, no token) ---
ApiResponse listCloudServicesInSubscription(Service::Impl& impl, RouteCall& call);
ApiResponse listCloudServices(Service::Impl& impl, RouteCall& call);
ApiResponse getCloudService(Service::Impl& impl, RouteCall& call);
ApiResponse putCloudService(Service::Impl& impl, RouteCall& call);
ApiResponse deleteCloudService(Service::Impl& impl, RouteCall& call);
ApiResponse cloudServiceMethodNotAllowed(Service::Impl& impl, RouteCall& call);
ApiResponse cloudServiceChildren(Service::Impl& impl, RouteCall& call);
ApiResponse cloudServiceSlots(Service::Impl& impl, RouteCall& call);
ApiResponse cloudServiceSummaries(Service::Impl& impl, RouteCall& call);

// --- deployments.cpp: Microsoft.Resources/deployments ---
ApiResponse listDeployments(Service::Impl& impl, RouteCall& call);
ApiResponse getDeployment(Service::Impl& impl, RouteCall& call);  // GET and HEAD
ApiResponse putDeployment(Service::Impl& impl, RouteCall& call);
ApiResponse validateDeployment(Service::Impl& impl, RouteCall& call);
ApiResponse deleteDeployment(Service::Impl& impl, RouteCall& call);
ApiResponse deploymentMethodNotAllowed(Service::Impl& impl, RouteCall& call);
ApiResponse getDeploymentOperationStatus(Service::Impl& impl, RouteCall& call);
ApiResponse listDeploymentOperations(Service::Impl& impl, RouteCall& call);
ApiResponse deploymentsFallback(Service::Impl& impl, RouteCall& call);

}  // namespace azlb::armservice::handlers
