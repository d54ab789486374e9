import * as pulumi from "@pulumi/pulumi";
import { type NormalizedSandboxArgs, type SandboxHostArgs, normalizeSandboxArgs } from "./args";
import { type SandboxClaims, createAgentSandbox } from "./agent-sandbox";
import { createEcsSandbox } from "./ecs";
import { createKubernetesSandbox } from "./kubernetes";

export type { SandboxHostArgs } from "./args";
export type { SandboxClaims } from "./agent-sandbox";
export type { AgentSandboxArgs, SandboxClaimant } from "./agent-sandbox/args";
export { SANDBOX_CLIENT_LABEL, SANDBOX_CONTEXT, SANDBOX_PORT } from "./runtime-config";

/**
 * The code-execution sandbox for agents: the runtime from sandbox, isolated from the rest.
 * Everywhere one image as two containers (sandbox/contract.json): `api` holds the token and
 * answers, `executor` runs the code as another user with no secret, over a unix socket in a
 * shared volume. On `eks` and `kubernetes`: its own namespace, a default-deny NetworkPolicy (in
 * only from agent pods and Prometheus, out only to allow-listed CIDRs), no service-account token,
 * a size-limited scratch volume for the executor alone, the executor's Localhost seccomp profile
 * put on the nodes by a small DaemonSet (the only host path), optional gVisor. On `ecs`: a Fargate
 * service of two-container tasks with no IAM role and its own security group, reachable only from
 * admitted clients. Everywhere: bearer-token auth, autoscaling, never a Docker socket.
 * With engine `agent-sandbox` (eks, kubernetes): the same pod, one per session, made by the pinned
 * kubernetes-sigs/agent-sandbox controller from a SandboxTemplate and a warm pool; callers claim.
 */
export class SandboxHost extends pulumi.ComponentResource {
  /**
   * In-cluster URL of the execution API (`/v1/execute`) and of MCP (`/mcp`). With engine
   * `agent-sandbox` there is no shared one: `claims.urlTemplate`, `{sandbox}` to fill.
   */
  readonly url: pulumi.Output<string>;
  /** Engine `agent-sandbox`: where and how callers claim a sandbox of their own. */
  readonly claims: SandboxClaims | undefined;
  readonly namespace: pulumi.Output<string> | undefined;
  /** The bearer token callers send (a secret output). */
  readonly authToken: pulumi.Output<string>;
  /** Secrets Manager secret holding the token (`ecs`), for callers' task definitions. */
  readonly authTokenSecretArn: pulumi.Output<string> | undefined;
  readonly image: pulumi.Output<string>;
  /** The sandbox's security group (`ecs`): `allowClient` admits callers to it. */
  readonly securityGroupId: pulumi.Output<string> | undefined;
  /** What a metrics collector scrapes (`ecs`): Cloud Map name, port, security group. */
  readonly metricsTarget: { job: string; dnsName: pulumi.Output<string>; port: number; securityGroupId: pulumi.Output<string> } | undefined;
  private readonly admit: ((client: string, securityGroupId: pulumi.Input<string>) => void) | undefined;

  constructor(name: string, args: SandboxHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const cfg = normalizeSandboxArgs(name, args);
    super("agentyard:components:SandboxHost", name, {}, opts);
    const made = createSandbox(this, name, cfg, args);
    this.url = made.url;
    this.claims = made.claims;
    this.namespace = made.namespace;
    this.authToken = pulumi.secret(made.token);
    this.authTokenSecretArn = made.tokenSecretArn;
    this.image = made.image;
    this.securityGroupId = made.securityGroupId;
    this.admit = made.admit;
    this.metricsTarget = made.metricsTarget;
    this.registerOutputs({ url: this.url, image: this.image });
  }

  /**
   * Admits a caller's security group on the sandbox port (`ecs`; on Kubernetes the pod label does).
   * @example
   * ```ts
   * sandbox.allowClient("agents", agentsSecurityGroup.id);
   * ```
   */
  allowClient(client: string, securityGroupId: pulumi.Input<string>): void {
    this.admit?.(client, securityGroupId);
  }
}

/** What each platform's sandbox gives the component; what a platform lacks is undefined. */
interface MadeSandbox {
  readonly url: pulumi.Output<string>;
  readonly claims?: SandboxClaims;
  readonly namespace?: pulumi.Output<string>;
  readonly token: pulumi.Input<string>;
  readonly tokenSecretArn?: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  readonly securityGroupId?: pulumi.Output<string>;
  readonly admit?: (client: string, securityGroupId: pulumi.Input<string>) => void;
  readonly metricsTarget?: SandboxHost["metricsTarget"];
}

function createSandbox(parent: SandboxHost, name: string, cfg: NormalizedSandboxArgs, args: SandboxHostArgs): MadeSandbox {
  if (cfg.platform === "ecs") {
    const made = createEcsSandbox(parent, name, cfg, args);
    return { ...made, metricsTarget: { job: "sandbox", dnsName: made.dnsName, port: 8080, securityGroupId: made.securityGroupId } };
  }
  if (cfg.engine === "agent-sandbox") {
    const made = createAgentSandbox(parent, name, cfg, args);
    return { url: made.claims.urlTemplate, claims: made.claims, namespace: made.namespace, token: made.token, image: made.image };
  }
  const made = createKubernetesSandbox(parent, name, cfg, args);
  return { url: pulumi.interpolate`http://sandbox.${made.namespace}.svc.cluster.local:8080`, namespace: made.namespace, token: made.token, image: made.image };
}
