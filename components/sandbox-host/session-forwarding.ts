import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as networking from "@pulumi/kubernetes/networking/v1";
import * as vpc from "@pulumi/aws/vpc";
import { standardTags } from "../../infra/naming";
import { SANDBOX_PORT } from "./runtime-config";

/*
 * Session forwarding between replicas (sandbox/SESSIONS.md, "Reaching a session again"): a session
 * lives on one replica, and a replica that receives a call for another's session forwards it once
 * to the owner's advertised address, `host:port`, straight to the pod or task, not through the
 * Service or load balancer (which would pick any replica again). So the replicas need their own
 * address, and a network path to each other on the sandbox port; nothing else is opened.
 */

type EnvVar = k8s.types.input.core.v1.EnvVar;

/**
 * The api container's own address on Kubernetes: the pod's IP from the downward API
 * ("status.podIP: the pod's primary IP address", https://kubernetes.io/docs/concepts/workloads/pods/downward-api/),
 * then SANDBOX_ADVERTISE_ADDRESS composed from it. Kubernetes expands `$(VAR)` in an env value from
 * the variables defined before it in the same container ("you can use $(VAR_NAME) in the value of
 * env", https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/),
 * so POD_IP comes first. On ECS nothing is set: the api reads the task's IPv4 from the task metadata
 * endpoint (ECS_CONTAINER_METADATA_URI_V4, which Fargate injects into every container from platform
 * version 1.4.0, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html).
 * The clusters here are IPv4 (the VPC CNI's default), so `ip:port` needs no brackets.
 */
export function advertiseAddressEnv(port: number = SANDBOX_PORT): EnvVar[] {
  return [
    { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    { name: "SANDBOX_ADVERTISE_ADDRESS", value: `$(POD_IP):${port}` },
  ];
}

/**
 * Sandbox pods may call sandbox pods on the sandbox port. The namespace is default-deny in both
 * directions, and a connection between two pods needs both the source's egress and the
 * destination's ingress to allow it ("both the egress policy on the source pod and the ingress
 * policy on the destination pod need to allow the connection",
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/), so one policy says
 * both. A podSelector without namespaceSelector selects pods of the policy's own namespace. On EKS
 * the nodes between two pods need no rule of ours: they share the cluster security group, which
 * admits all traffic from itself ("Inbound, All, All, Self",
 * https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html).
 */
export function createForwardingPolicy(name: string, namespace: pulumi.Input<string>, selector: Record<string, string>, opts: pulumi.CustomResourceOptions): networking.NetworkPolicy {
  const replicas = [{ podSelector: { matchLabels: selector } }];
  const port = [{ protocol: "TCP", port: SANDBOX_PORT }];
  return new networking.NetworkPolicy(
    `${name}-allow-session-forwarding`,
    {
      metadata: { name: "allow-session-forwarding", namespace },
      spec: { podSelector: { matchLabels: selector }, policyTypes: ["Ingress", "Egress"], ingress: [{ from: replicas, ports: port }], egress: [{ to: replicas, ports: port }] },
    },
    opts,
  );
}

/**
 * Sandbox tasks may call sandbox tasks on the sandbox port: the security group admits itself, in
 * and out. A rule that names a security group as its source admits traffic from every network
 * interface that group is attached to ("Security group referencing",
 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html), here each task's.
 */
export function admitForwardingBetweenTasks(name: string, securityGroupId: pulumi.Input<string>, component: string, opts: pulumi.CustomResourceOptions): void {
  const rule = { securityGroupId, referencedSecurityGroupId: securityGroupId, ipProtocol: "tcp", fromPort: SANDBOX_PORT, toPort: SANDBOX_PORT, tags: standardTags(component) };
  new vpc.SecurityGroupIngressRule(`${name}-from-replicas`, { ...rule, description: "session forwarding from another sandbox task" }, opts);
  new vpc.SecurityGroupEgressRule(`${name}-to-replicas`, { ...rule, description: "session forwarding to the task that owns the session" }, opts);
}
