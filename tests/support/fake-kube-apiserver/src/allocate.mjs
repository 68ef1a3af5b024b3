// What the real API server fills in for a Service: a type and a cluster IP from the service
// range, kept across updates that leave them out (Kubernetes copies them from the stored object).

let nextAddress = 1;

/** Called on create (`current` undefined) and on update, before the object is stored. */
export function allocateService(object, current) {
  if (object.kind !== "Service") return;
  const spec = (object.spec ??= {});
  spec.type ??= current?.spec?.type ?? "ClusterIP";
  if (spec.type === "ExternalName") return;
  if (!spec.clusterIP) {
    spec.clusterIP = current?.spec?.clusterIP ?? `10.96.${Math.floor(nextAddress / 254)}.${(nextAddress++ % 254) + 1}`;
  }
  spec.clusterIPs ??= [spec.clusterIP];
}
