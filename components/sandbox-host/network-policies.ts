import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as networking from "@pulumi/kubernetes/networking/v1";
import { SANDBOX_CLIENT_LABEL, SANDBOX_PORT } from "./runtime-config";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** Who may call the sandbox: pods labelled as its clients (any namespace), and Prometheus's namespace. */
export function clientPeers(monitoringNamespace: pulumi.Input<string> | undefined): Peer[] {
  const from: Peer[] = [{ namespaceSelector: {}, podSelector: { matchLabels: { ...SANDBOX_CLIENT_LABEL } } }];
  if (monitoringNamespace) from.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": monitoringNamespace } } });
  return from;
}

export interface SandboxFence {
  readonly namespace: pulumi.Input<string>;
  /** The sandbox pods' labels. */
  readonly podSelector: Record<string, pulumi.Input<string>>;
  readonly from: Peer[];
  readonly egressAllowCidrs: readonly string[];
}

/**
 * The sandbox's NetworkPolicies, whichever engine makes its pods: default deny for the whole
 * namespace, then in only from `from` on the sandbox port, out only to the allow-listed CIDRs.
 */
export function fenceSandbox(name: string, fence: SandboxFence, opts: pulumi.CustomResourceOptions): void {
  const { namespace, podSelector } = fence;
  new networking.NetworkPolicy(`${name}-default-deny`, { metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, opts);
  new networking.NetworkPolicy(
    `${name}-allow-clients`,
    { metadata: { name: "allow-clients", namespace }, spec: { podSelector: { matchLabels: podSelector }, policyTypes: ["Ingress"], ingress: [{ from: fence.from, ports: [{ protocol: "TCP", port: SANDBOX_PORT }] }] } },
    opts,
  );
  if (fence.egressAllowCidrs.length > 0) {
    new networking.NetworkPolicy(
      `${name}-allow-egress`,
      { metadata: { name: "allow-egress", namespace }, spec: { podSelector: { matchLabels: podSelector }, policyTypes: ["Egress"], egress: [{ to: fence.egressAllowCidrs.map((cidr) => ({ ipBlock: { cidr } })) }] } },
      opts,
    );
  }
}
