// The kinds the fake serves: one row per resource, with the official model class whose schema
// validates its bodies and the name rule the real API server applies to it.
// One module per model: the package's index modules load every kind and slow startup fourfold.
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Pod } from "kubernetes-models/v1/Pod";
import { Service } from "kubernetes-models/v1/Service";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Lease } from "kubernetes-models/coordination.k8s.io/v1/Lease";

function row(group, version, kind, plural, model, options = {}) {
  return {
    group,
    version,
    apiVersion: group ? `${group}/${version}` : version,
    kind,
    plural,
    model,
    namespaced: options.namespaced ?? true,
    // Which DNS rule names must follow (pkg/apis/core/validation picks one per kind).
    nameRule: options.nameRule ?? "dns1123Subdomain",
    // Kinds whose status is written only through /status: updates to the object keep it.
    statusSubresource: options.statusSubresource ?? false,
    initialStatus: options.initialStatus,
  };
}

export const resources = [
  row("", "v1", "Namespace", "namespaces", Namespace,
      { namespaced: false, nameRule: "dns1123Label", statusSubresource: true, initialStatus: { phase: "Active" } }),
  row("", "v1", "Secret", "secrets", Secret),
  row("", "v1", "ServiceAccount", "serviceaccounts", ServiceAccount),
  row("", "v1", "Pod", "pods", Pod, { statusSubresource: true, initialStatus: { phase: "Pending" } }),
  row("", "v1", "Service", "services", Service, { nameRule: "dns1035Label", statusSubresource: true }),
  row("", "v1", "ConfigMap", "configmaps", ConfigMap),
  row("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", NetworkPolicy),
  row("coordination.k8s.io", "v1", "Lease", "leases", Lease),
];

/** The row serving `plural` under group/version, or undefined when the fake does not serve it. */
export function findResource(group, version, plural) {
  return resources.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findByKind(kind) {
  return resources.find((r) => r.kind === kind);
}

export const namespaces = resources[0];
