import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import * as vpc from "@pulumi/aws/vpc";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import { serviceAccountRole } from "../../infra/cluster/irsa";
import { createWorkload, restrictedNamespace } from "../../infra/kubernetes/workload";
import { currentScope, standardTags } from "../../infra/naming";
import { SANDBOX_CLIENT_LABEL } from "../sandbox-host";
import type { AgentServiceArgs, NormalizedAgentArgs } from "./args";
import { resolveSecret } from "./secrets";
import { MAX_REQUEST_BODY_BYTES } from "../load-balancer/body-limit";
import { telemetryEnv } from "./telemetry";

export interface KubernetesAgent {
  readonly namespace: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string> | undefined;
}

/** The agent service as a hardened Deployment (eks, kubernetes). */
export function createKubernetesAgent(parent: pulumi.Resource, name: string, cfg: NormalizedAgentArgs, args: AgentServiceArgs, image: pulumi.Output<string>): KubernetesAgent {
  const s = cfg.settings;
  const provider = args.cluster?.provider ?? args.provider;
  const scope = currentScope();
  const namespaceName = args.namespace ?? `${scope.project}-${scope.stack}-agents`.slice(0, 63);
  const namespace = args.createNamespace === false ? pulumi.output(namespaceName) : restrictedNamespace(parent, `${name}-namespace`, namespaceName, provider).metadata.name;

  // The body limit the stack promises: only the service can enforce it on AWS (see load-balancer/body-limit.ts).
  const config: Record<string, pulumi.Input<string>> = {
    PORT: String(cfg.port),
    MAX_REQUEST_BODY_BYTES: String(MAX_REQUEST_BODY_BYTES),
    ...args.dataTier?.connection.env,
    ...telemetryEnv(name, args.otlpEndpoint, currentScope().stack),
    ...args.env,
  };
  const secrets: Record<string, pulumi.Input<string>> = {};
  for (const [key, ref] of Object.entries({ ...args.dataTier?.connection.secrets, ...args.secrets })) secrets[key] = resolveSecret(parent, ref);
  if (args.sandbox) {
    config.SANDBOX_URL = args.sandbox.url;
    config.SANDBOX_MCP_URL = pulumi.interpolate`${args.sandbox.url}/mcp`;
    secrets.SANDBOX_TOKEN = args.sandbox.authToken;
  }

  let roleArn: pulumi.Output<string> | undefined;
  if (args.cluster) {
    const role = serviceAccountRole(parent, `${name}-role`, args.cluster.oidc, { namespace, name }, "agents", `agent-${name}`);
    if (args.iamStatements?.length) {
      new iam.RolePolicy(`${name}-policy`, { role: role.name, policy: pulumi.output({ Version: "2012-10-17", Statement: args.iamStatements }).apply((p) => JSON.stringify(p)) }, { parent });
    }
    roleArn = role.arn;
  }

  const workload = createWorkload(
    parent,
    name,
    {
      namespace,
      appName: name,
      component: "agent",
      image,
      port: cfg.port,
      uid: 10001,
      cpuMillicores: s.cpu,
      memoryMb: s.memoryMb,
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      config,
      secrets,
      extraLabels: args.sandbox ? { ...SANDBOX_CLIENT_LABEL } : undefined,
      serviceAccountAnnotations: roleArn ? { "eks.amazonaws.com/role-arn": roleArn } : undefined,
      // IRSA needs no mounted API token: the EKS webhook projects its own web-identity token.
      automountToken: false,
      terminationGracePeriodSeconds: 60,
      cpuTargetPercent: 70,
      memoryTargetPercent: 80,
      transform: args.transform,
    },
    provider,
  );

  if (args.loadBalancer && args.route) {
    const attached = args.loadBalancer.attach(name, { port: cfg.port, healthCheckPath: "/ready", serviceName: name, ...args.route });
    if (attached.targetGroupArn && args.cluster) {
      // Pods register into the ALB's target group through the controller; the ALB reaches them on the cluster security group.
      new apiextensions.CustomResource(
        `${name}-target-group-binding`,
        {
          apiVersion: "elbv2.k8s.aws/v1beta1",
          kind: "TargetGroupBinding",
          metadata: { name, namespace },
          spec: { serviceRef: { name: workload.service.metadata.name, port: cfg.port }, targetGroupARN: attached.targetGroupArn, targetType: "ip" },
        },
        { parent, provider, dependsOn: args.cluster.addons },
      );
      if (args.loadBalancer.securityGroupId) {
        new vpc.SecurityGroupIngressRule(
          `${name}-from-load-balancer`,
          { securityGroupId: args.cluster.nodeSecurityGroupId, referencedSecurityGroupId: args.loadBalancer.securityGroupId, ipProtocol: "tcp", fromPort: cfg.port, toPort: cfg.port, description: `ALB to ${name}`, tags: standardTags("agents") },
          { parent },
        );
      }
    }
  }

  return { namespace, url: pulumi.interpolate`http://${name}.${namespace}.svc.cluster.local:${cfg.port}`, roleArn };
}
