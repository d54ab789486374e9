import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as core from "@pulumi/kubernetes/core/v1";
import * as networking from "@pulumi/kubernetes/networking/v1";
import * as node from "@pulumi/kubernetes/node/v1";
import * as random from "@pulumi/random";
import { GVISOR_NODE_LABEL, GVISOR_TAINT } from "../../infra/cluster/eks";
import { ContainerImage } from "../../infra/images/image";
import { restrictedNamespace, createWorkload } from "../../infra/kubernetes/workload";
import { currentScope } from "../../infra/naming";
import { type SandboxHostArgs, normalizeSandboxArgs } from "./args";

export type { SandboxHostArgs } from "./args";

export const SANDBOX_PORT = 8080;
/** Pods with this label may call the sandbox (AgentService sets it). */
export const SANDBOX_CLIENT_LABEL = { "agentyard.dev/sandbox-client": "true" } as const;
export const SANDBOX_CONTEXT = path.join(__dirname, "..", "..", "infra", "sandbox");
const TOKEN_PATH = "/var/run/secrets/agentyard";

/**
 * The code-execution sandbox for agents: the runtime from infra/sandbox as its own Deployment in
 * its own namespace, behind a default-deny NetworkPolicy (in only from agent pods and
 * Prometheus, out only to allow-listed CIDRs), with no service-account token, a size-limited
 * scratch volume, bearer-token auth, optional gVisor, and autoscaling. Never a Docker socket or
 * a hostPath.
 */
export class SandboxHost extends pulumi.ComponentResource {
  /** In-cluster URL of the execution API (`/v1/execute`) and of MCP (`/mcp`). */
  readonly url: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** The bearer token callers send (a secret output). */
  readonly authToken: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;

  constructor(name: string, args: SandboxHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const cfg = normalizeSandboxArgs(name, args);
    super("agentyard:components:SandboxHost", name, {}, opts);
    const s = cfg.settings;
    const provider = args.cluster?.provider ?? args.provider;
    const k8sOpts = { parent: this, provider };
    const scope = currentScope();

    const namespace = restrictedNamespace(this, `${name}-namespace`, args.namespace ?? `${scope.project}-${scope.stack}-sandbox`.slice(0, 63), provider).metadata.name;
    const image = args.image
      ? pulumi.output(args.image)
      : cfg.platform === "eks"
        ? new ContainerImage(`${name}-image`, { context: SANDBOX_CONTEXT, component: "sandbox" }, { parent: this }).imageRef
        : pulumi.output("agentyard-sandbox:local");
    const token = new random.RandomPassword(`${name}-auth-token`, { length: 48, special: false }, { parent: this });

    let runtimeClassName: pulumi.Output<string> | undefined;
    if (s.gvisor) {
      runtimeClassName = new node.RuntimeClass(
        `${name}-gvisor`,
        {
          metadata: { name: `${scope.stack}-gvisor` },
          handler: "runsc",
          scheduling: { nodeSelector: { ...GVISOR_NODE_LABEL }, tolerations: [{ key: GVISOR_TAINT.key, operator: "Equal", value: GVISOR_TAINT.value, effect: "NoSchedule" }] },
        },
        k8sOpts,
      ).metadata.name;
    }

    const scratchMb = Math.max(256, s.maxConcurrent * 64);
    const workload = createWorkload(
      this,
      name,
      {
        namespace,
        appName: "sandbox",
        component: "sandbox",
        image,
        port: SANDBOX_PORT,
        uid: 10001,
        cpuMillicores: s.cpu,
        memoryMb: s.memoryMb,
        minReplicas: s.minReplicas,
        maxReplicas: s.maxReplicas,
        config: {
          PORT: String(SANDBOX_PORT),
          MAX_SANDBOXES: String(s.maxConcurrent),
          SANDBOX_QUEUE_LIMIT: String(s.maxConcurrent * 2),
          SANDBOX_TIMEOUT: String(Math.ceil(s.timeoutMs / 1000)),
          SANDBOX_MEMORY_LIMIT: `${s.executionMemoryMb}m`,
          SANDBOX_CPU_LIMIT: String(s.executionCpuSeconds),
          SANDBOX_WARM_POOL: String(s.warmPool),
          SANDBOX_SCRATCH_DIR: "/sandbox",
          SANDBOX_AUTH_TOKEN_FILE: `${TOKEN_PATH}/token`,
          // Running executions get the rest of the termination grace period to finish.
          SANDBOX_SHUTDOWN_GRACE_MS: String(Math.min(s.timeoutMs, 25_000)),
        },
        secrets: {},
        volumes: [
          { name: "scratch", emptyDir: { sizeLimit: `${scratchMb}Mi` } },
          { name: "auth", secret: { secretName: "sandbox-auth", defaultMode: 0o440 } },
        ],
        volumeMounts: [
          { name: "scratch", mountPath: "/sandbox" },
          { name: "auth", mountPath: TOKEN_PATH, readOnly: true },
        ],
        automountToken: false,
        runtimeClassName,
        terminationGracePeriodSeconds: 30,
        // Saturation shows as CPU: every execution is a busy process.
        cpuTargetPercent: 60,
        transform: args.transform,
      },
      provider,
    );
    new core.Secret(
      `${name}-auth`,
      { metadata: { name: "sandbox-auth", namespace }, type: "Opaque", stringData: { token: token.result } },
      k8sOpts,
    );

    // Default deny, then the two ways in and the allow-listed ways out.
    new networking.NetworkPolicy(`${name}-default-deny`, { metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, k8sOpts);
    const from: k8s.types.input.networking.v1.NetworkPolicyPeer[] = [{ namespaceSelector: {}, podSelector: { matchLabels: { ...SANDBOX_CLIENT_LABEL } } }];
    if (args.monitoringNamespace) from.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.monitoringNamespace } } });
    new networking.NetworkPolicy(
      `${name}-allow-clients`,
      { metadata: { name: "allow-clients", namespace }, spec: { podSelector: { matchLabels: workload.selector }, policyTypes: ["Ingress"], ingress: [{ from, ports: [{ protocol: "TCP", port: SANDBOX_PORT }] }] } },
      k8sOpts,
    );
    if (s.egressAllowCidrs.length > 0) {
      new networking.NetworkPolicy(
        `${name}-allow-egress`,
        { metadata: { name: "allow-egress", namespace }, spec: { podSelector: { matchLabels: workload.selector }, policyTypes: ["Egress"], egress: [{ to: s.egressAllowCidrs.map((cidr) => ({ ipBlock: { cidr } })) }] } },
        k8sOpts,
      );
    }

    this.namespace = namespace;
    this.url = pulumi.interpolate`http://sandbox.${namespace}.svc.cluster.local:${SANDBOX_PORT}`;
    this.authToken = pulumi.secret(token.result);
    this.image = image;
    this.registerOutputs({ url: this.url, namespace: this.namespace, image: this.image });
  }
}
