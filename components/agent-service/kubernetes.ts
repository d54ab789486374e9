import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import * as vpc from "@pulumi/aws/vpc";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import { serviceAccountRole } from "../../infra/cluster/irsa";
import * as core from "@pulumi/kubernetes/core/v1";
import type * as k8s from "@pulumi/kubernetes";
import { createWorkload, restrictedNamespace } from "../../infra/kubernetes/workload";
import { currentScope, standardTags } from "../../infra/naming";
import { SANDBOX_CLIENT_LABEL } from "../sandbox-host";
import type { AgentServiceArgs, NormalizedAgentArgs } from "./args";
import { resolveSecret } from "./secrets";
import type { AppVolume } from "./app-args";
import { loadBalancerHealthPath } from "./app-args";
import { createScaledObject } from "./keda";
import { createMigrationJob } from "./migration";
import { kubernetesProbes } from "./probes";
import { MAX_REQUEST_BODY_BYTES } from "../load-balancer/body-limit";
import { telemetryEnv } from "./telemetry";
import { SANDBOX_CLAIMS_REASON, sandboxClaimEnv } from "./sandbox-claims";

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
  for (const [key, value] of Object.entries(args.secretValues ?? {})) secrets[key] = pulumi.secret(value);
  if (args.sandbox) {
    config.SANDBOX_URL = args.sandbox.url;
    config.SANDBOX_MCP_URL = pulumi.interpolate`${args.sandbox.url}/mcp`;
    secrets.SANDBOX_TOKEN = args.sandbox.authToken;
  }
  if (args.sandboxClaims) Object.assign(config, sandboxClaimEnv(args.sandboxClaims));

  const volumes = kubernetesVolumes(parent, name, namespace, args.volumes, provider);
  const pullSecrets = args.registryCredentials?.kubernetesSecretName ? [args.registryCredentials.kubernetesSecretName] : undefined;
  // The migration sees what the app sees, with its own secrets (credentials that may own the schema) instead.
  const migrationSecrets: Record<string, pulumi.Input<string>> = {};
  for (const [key, ref] of Object.entries(args.migration?.secrets ?? {})) migrationSecrets[key] = resolveSecret(parent, ref);
  const migration = args.migration
    ? createMigrationJob(
        parent,
        name,
        { namespace, appName: name, image, migration: args.migration, env: { ...config, ...secrets, ...migrationSecrets }, uid: 10001, cpuMillicores: s.cpu, memoryMb: s.memoryMb, imagePullSecrets: pullSecrets, transform: args.transform?.job },
        provider,
      )
    : undefined;
  const scaledByKeda = args.autoscaling?.prometheus !== undefined || args.autoscaling?.requestsPerTarget !== undefined;

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
      // Claiming sandboxes does: an hour-long projected one in the agent's container alone.
      automountToken: false,
      kubernetesApi: args.sandboxClaims ? SANDBOX_CLAIMS_REASON : undefined,
      terminationGracePeriodSeconds: 60,
      cpuTargetPercent: 70,
      memoryTargetPercent: 80,
      transform: args.transform?.deployment ? { deployment: args.transform.deployment } : undefined,
      command: args.command,
      args: args.args,
      probes: kubernetesProbes(args.probes),
      extraPorts: Object.entries(args.ports ?? {}).map(([portName, port]) => ({ name: portName, port })),
      metricsPortName: args.metricsPort,
      sessionAffinitySeconds: args.stickySessions?.durationSeconds,
      imagePullSecrets: pullSecrets,
      extraEnv: Object.entries(args.fieldEnv ?? {}).map(([envName, fieldPath]) => ({ name: envName, valueFrom: { fieldRef: { fieldPath } } })),
      volumes: volumes.volumes,
      volumeMounts: volumes.mounts,
      dependsOn: migration ? [migration] : undefined,
      autoscaler: !scaledByKeda,
    },
    provider,
  );
  if (scaledByKeda && args.autoscaling) {
    createScaledObject(
      parent,
      name,
      { namespace, deploymentName: workload.deployment.metadata.name, appName: name, minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, cpuTargetPercent: 70, memoryTargetPercent: 80, autoscaling: args.autoscaling },
      provider,
    );
  }

  if (args.loadBalancer && args.route) {
    const attached = args.loadBalancer.attach(name, { port: cfg.port, healthCheckPath: loadBalancerHealthPath(args), serviceName: name, stickinessSeconds: args.stickySessions?.durationSeconds, ...args.route });
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

/** Scratch volumes as size-limited emptyDirs, config files as a read-only ConfigMap each. */
function kubernetesVolumes(
  parent: pulumi.Resource,
  name: string,
  namespace: pulumi.Input<string>,
  volumes: Record<string, AppVolume> | undefined,
  provider: pulumi.ProviderResource | undefined,
): { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] } {
  const made: k8s.types.input.core.v1.Volume[] = [];
  const mounts: k8s.types.input.core.v1.VolumeMount[] = [];
  for (const [volumeName, volume] of Object.entries(volumes ?? {})) {
    if (volume.type === "scratch") {
      made.push({ name: volumeName, emptyDir: { sizeLimit: `${volume.sizeMb}Mi` } });
      mounts.push({ name: volumeName, mountPath: volume.path });
    } else if (volume.type === "config") {
      const map = new core.ConfigMap(`${name}-${volumeName}-files`, { metadata: { name: `${name}-${volumeName}`, namespace, labels: { "app.kubernetes.io/part-of": "agentyard" } }, data: volume.files }, { parent, provider });
      made.push({ name: volumeName, configMap: { name: map.metadata.name } });
      mounts.push({ name: volumeName, mountPath: volume.path, readOnly: true });
    }
  }
  return { volumes: made, mounts };
}
