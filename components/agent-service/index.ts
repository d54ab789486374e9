import * as pulumi from "@pulumi/pulumi";
import { ContainerImage } from "../../infra/images/image";
import { type AgentServiceArgs, normalizeAgentArgs } from "./args";
import { portNumber } from "./app-args";
import { createEcsAgent } from "./ecs";
import { createKubernetesAgent } from "./kubernetes";

export type { AgentServiceArgs } from "./args";
export type { AppArgs, AppAutoscaling, AppMigration, AppProbes, AppVolume, PodField, ProbeSpec } from "./app-args";

/**
 * An agent HTTP service. On `eks` and `kubernetes`: a hardened Deployment (rolling updates with no
 * capacity dip, HPA on CPU and memory with slow scale-down, PDB, spread over zones and nodes,
 * probes, limits, non-root and read-only), its own service account (an IAM role through IRSA on
 * `eks`), settings in a ConfigMap, secrets and the data tier's credentials in a Secret, scraped by
 * Prometheus, attached to the load balancer by route. On `ecs`: a Fargate service behind the ALB
 * with its own security group and roles, secrets injected from Secrets Manager.
 */
export class AgentService extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string> | undefined;
  /** In-cluster (or Cloud Map) URL. */
  readonly url: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  /** The service's own IAM role (IRSA on `eks`, the task role on `ecs`). */
  readonly roleArn: pulumi.Output<string> | undefined;
  /** The service's security group (`ecs`). */
  readonly securityGroupId: pulumi.Output<string> | undefined;
  /** What a metrics collector scrapes (`ecs`): Cloud Map name, port, security group. */
  readonly metricsTarget: { job: string; dnsName: pulumi.Output<string>; port: number; securityGroupId: pulumi.Output<string> } | undefined;

  constructor(name: string, args: AgentServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const cfg = normalizeAgentArgs(name, args);
    super("agentyard:components:AgentService", name, {}, opts);
    const image = args.image
      ? pulumi.output(args.image)
      : new ContainerImage(
          `${name}-image`,
          { context: args.build?.context ?? ".", dockerfile: args.build?.dockerfile, component: "agents", platform: (args.cluster?.arm64 ?? args.ecsCluster?.settings.architecture === "arm64") ? "linux/arm64" : "linux/amd64" },
          { parent: this },
        ).imageRef;


    if (cfg.platform === "ecs") {
      const made = createEcsAgent(this, name, cfg, args, image);
      this.namespace = undefined;
      this.url = made.url;
      this.roleArn = made.roleArn;
      this.securityGroupId = made.securityGroupId;
      this.metricsTarget = { job: name, dnsName: made.dnsName, port: portNumber(args.metricsPort, cfg.port, args.ports), securityGroupId: made.securityGroupId };
    } else {
      const made = createKubernetesAgent(this, name, cfg, args, image);
      this.namespace = made.namespace;
      this.url = made.url;
      this.roleArn = made.roleArn;
      this.securityGroupId = undefined;
      this.metricsTarget = undefined;
    }
    this.image = image;
    this.registerOutputs({ url: this.url, image: this.image, roleArn: this.roleArn });
  }
}
