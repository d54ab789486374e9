import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { SandboxHost } from "../components/sandbox-host";
import { CLUSTER_CHARTS } from "../infra/cluster/eks";
import type { PlannedResource } from "../cli/plan/engine";
import { type ResourceGraph, planComponent, planStack } from "./harness";
import { UNVALIDATED_KUBERNETES_TYPES, hasModel, validateManifest } from "./kubernetes-schema";
import { mandatory, runPolicies } from "./policy-harness";

const AGENT_IMAGE = { "agentyard:agents": { image: "ghcr.io/acme/agent:1.0.0" } };

interface Container {
  name: string;
  command?: string[];
  ports?: unknown[];
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  envFrom?: unknown[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[]; shareProcessNamespace?: boolean; volumes?: Array<Record<string, unknown>>; automountServiceAccountToken?: boolean; securityContext: Record<string, unknown>; topologySpreadConstraints?: Array<{ topologyKey: string }>; runtimeClassName?: string };
}
const template = (r: PlannedResource) => (r.inputs.spec as { template: PodTemplate }).template;
const byComponent = (graph: ResourceGraph, type: string) => graph.ofType("agentyard:components:" + type)[0];

describe("the prod stack on eks, with an agent image", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("prod", { override: AGENT_IMAGE });
  });

  it("runs EKS on STANDARD support with a private endpoint, KMS-encrypted Secrets and control-plane logs", () => {
    const cluster = graph.get("aws:eks/cluster:Cluster", "cluster-cluster");
    assert.deepEqual(cluster.inputs.upgradePolicy, { supportType: "STANDARD" });
    const vpc = cluster.inputs.vpcConfig as Record<string, unknown>;
    assert.deepEqual([vpc.endpointPrivateAccess, vpc.endpointPublicAccess], [true, false]);
    assert.equal((vpc.subnetIds as string[]).length, 3);
    const encryption = cluster.inputs.encryptionConfig as { resources: string[]; provider: { keyArn: string } };
    assert.deepEqual(encryption.resources, ["secrets"]);
    assert.match(encryption.provider.keyArn, /^arn:aws:kms:/);
    assert.deepEqual(cluster.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    assert.equal(graph.get("aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane-logs").inputs.retentionInDays, 365);
  });

  it("has an OIDC provider for IRSA, managed nodes sized by preset, and core add-ons with network policy enforcement", () => {
    assert.equal(graph.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 1);
    const nodes = graph.get("aws:eks/nodeGroup:NodeGroup", "cluster-general-nodes");
    // Small and fixed: Karpenter adds the nodes workloads need (test/karpenter.test.ts).
    assert.deepEqual(nodes.inputs.scalingConfig, { minSize: 3, desiredSize: 3, maxSize: 4 });
    assert.equal(nodes.inputs.capacityType, "ON_DEMAND");
    const addons = graph.ofType("aws:eks/addon:Addon").map((a) => a.inputs.addonName).sort();
    // amazon-cloudwatch-observability is MonitoringStack's (container logs: infra/cluster/eks-logging.ts).
    assert.deepEqual(addons, ["amazon-cloudwatch-observability", "aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
    assert.deepEqual(JSON.parse(String(graph.get("aws:eks/addon:Addon", "cluster-addon-vpc-cni").inputs.configurationValues)), { enableNetworkPolicy: "true" });
  });

  it("installs the Load Balancer Controller (with its IRSA role) and metrics-server from pinned charts", () => {
    const controller = graph.get("kubernetes:helm.sh/v3:Release", "cluster-lb-controller");
    assert.equal(controller.inputs.version, CLUSTER_CHARTS.loadBalancerController.version);
    assert.match(JSON.stringify(controller.inputs.values), /eks\.amazonaws\.com\/role-arn/);
    const trust = JSON.parse(String(graph.get("aws:iam/role:Role", "cluster-lb-controller-role").inputs.assumeRolePolicy)) as { Statement: Array<{ Condition: { StringEquals: Record<string, string> } }> };
    assert.ok(Object.values(trust.Statement[0].Condition.StringEquals).includes("system:serviceaccount:kube-system:aws-load-balancer-controller"));
    assert.equal(graph.get("kubernetes:helm.sh/v3:Release", "cluster-metrics-server").inputs.version, CLUSTER_CHARTS.metricsServer.version);
  });

  it("deploys the agent service with no capacity dip on rollout, 3 to 20 replicas scaling down slowly, a PDB and zone spread", () => {
    const deployment = graph.get("kubernetes:apps/v1:Deployment", "agents-deployment");
    assert.deepEqual((deployment.inputs.spec as { strategy: unknown }).strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
    const hpa = graph.get("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "agents-autoscaler").inputs.spec as Record<string, unknown>;
    assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [3, 20]);
    assert.equal((hpa.behavior as { scaleDown: { stabilizationWindowSeconds: number } }).scaleDown.stabilizationWindowSeconds, 300);
    assert.deepEqual((hpa.metrics as Array<{ resource: { name: string } }>).map((m) => m.resource.name), ["cpu", "memory"]);
    assert.ok(graph.get("kubernetes:policy/v1:PodDisruptionBudget", "agents-disruption-budget"));
    assert.deepEqual(template(deployment).spec.topologySpreadConstraints?.map((t) => t.topologyKey), ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]);
  });

  it("gives the agent service its own IAM role through IRSA, the data tier and sandbox as env, secrets in a Secret", () => {
    const account = graph.get("kubernetes:core/v1:ServiceAccount", "agents-service-account");
    assert.match(JSON.stringify(account.inputs.metadata), /eks\.amazonaws\.com\/role-arn.*role\/agentyard-prod-agent-agents/);
    const config = graph.get("kubernetes:core/v1:ConfigMap", "agents-config").inputs.data as Record<string, string>;
    for (const key of ["DATABASE_HOST", "REDIS_HOST", "REDIS_TLS", "SANDBOX_URL", "SANDBOX_MCP_URL"]) assert.ok(config[key], key);
    assert.ok(!Object.keys(config).some((k) => /PASSWORD|_URL$/.test(k) && !k.startsWith("SANDBOX")), "no credentials in the ConfigMap");
    assert.equal(graph.get("kubernetes:core/v1:Secret", "agents-secrets").inputs.stringData, "[secret]");
  });

  it("binds the agent pods to the ALB's target group and admits the ALB on the cluster security group", () => {
    const binding = graph.get("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding", "agents-target-group-binding");
    const spec = binding.inputs.spec as { targetGroupARN: string; targetType: string };
    assert.equal(spec.targetGroupARN, graph.get("aws:lb/targetGroup:TargetGroup", "public-agents").outputs?.arn);
    assert.equal(spec.targetType, "ip");
    const rule = graph.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "agents-from-load-balancer");
    assert.equal(rule.inputs.fromPort, 8080);
  });

  it("runs the sandbox in its own namespace from an image built from sandbox into a scanned, immutable ECR repository", () => {
    const repo = graph.get("aws:ecr/repository:Repository", "sandbox-image-repository");
    assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
    const image = graph.get("docker-build:index:Image", "sandbox-image-image");
    // Relative to the project's folder (Pulumi's cwd): no machine path in the plan.
    assert.deepEqual(image.inputs.context, { location: "sandbox" });
    assert.equal(image.inputs.push, true);
    const deployment = graph.get("kubernetes:apps/v1:Deployment", "sandbox-deployment");
    assert.match(String((deployment.inputs.metadata as { namespace: string }).namespace), /-sandbox$/);
    const pod = template(deployment).spec;
    assert.equal(pod.automountServiceAccountToken, false);
    // 64 MiB for each of 16 executions and 4 sessions.
    assert.deepEqual(pod.volumes?.find((v) => v.name === "scratch"), { name: "scratch", emptyDir: { sizeLimit: "1280Mi" } });
    assert.ok(!JSON.stringify(pod).includes("hostPath") && !JSON.stringify(pod).includes("docker.sock"));
    const config = graph.get("kubernetes:core/v1:ConfigMap", "sandbox-config").inputs.data as Record<string, string>;
    assert.equal(config.MAX_SANDBOXES, "16");
    assert.ok(deployment.dependencies.includes(graph.get("kubernetes:core/v1:Secret", "sandbox-auth").urn), "waits for the token Secret it mounts");
  });

  it("runs the sandbox pod as an api holding the token and an executor with another user, a Localhost seccomp profile and the scratch", () => {
    const pod = template(graph.get("kubernetes:apps/v1:Deployment", "sandbox-deployment")).spec;
    const [api, executor] = pod.containers;
    assert.deepEqual([api.name, executor.name], ["api", "executor"]);
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10003, supplementalGroups: [10003], seccompProfile: { type: "RuntimeDefault" } });
    assert.equal(pod.shareProcessNamespace, false);
    assert.deepEqual([api.securityContext?.runAsUser, executor.securityContext?.runAsUser], [10001, 10002]);
    assert.deepEqual(executor.securityContext?.seccompProfile, { type: "Localhost", localhostProfile: "agentyard/executor.json" });
    assert.deepEqual(api.volumeMounts?.map((m) => m.mountPath), ["/run/agentyard", "/var/run/secrets/agentyard"]);
    assert.deepEqual(executor.volumeMounts?.map((m) => m.mountPath), ["/run/agentyard", "/sandbox"]);
    assert.ok(api.readinessProbe && api.livenessProbe && executor.readinessProbe === undefined && executor.ports === undefined);
    assert.ok(!JSON.stringify(executor.envFrom).includes("secretRef"), "the executor's env comes from the ConfigMap only");
    assert.deepEqual(pod.volumes?.find((v) => v.name === "ipc"), { name: "ipc", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
    assert.deepEqual([api.resources?.limits?.memory, executor.resources?.limits?.memory], ["256Mi", "1792Mi"], "prod's 2048 MiB, split");
  });

  it("puts the executor's seccomp profile on every node before the sandbox starts, from a DaemonSet in its own namespace", () => {
    const installer = graph.get("kubernetes:apps/v1:DaemonSet", "sandbox-seccomp-daemonset");
    const pod = template(installer).spec;
    assert.deepEqual(pod.volumes?.find((v) => v.name === "host"), { name: "host", hostPath: { path: "/var/lib/kubelet/seccomp/agentyard", type: "DirectoryOrCreate" } });
    assert.equal(pod.initContainers?.[0].securityContext?.runAsUser, 0, "root only to write the root-owned directory");
    assert.deepEqual(pod.initContainers?.[0].securityContext?.capabilities, { drop: ["ALL"] });
    assert.equal(pod.containers[0].securityContext?.runAsUser, 65534);
    const profiles = graph.get("kubernetes:core/v1:ConfigMap", "sandbox-seccomp-profiles").inputs.data as Record<string, string>;
    assert.deepEqual(Object.keys(profiles), ["executor.json"]);
    const namespace = graph.get("kubernetes:core/v1:Namespace", "sandbox-seccomp-namespace").inputs.metadata as { labels: Record<string, string> };
    assert.equal(namespace.labels["pod-security.kubernetes.io/enforce"], "privileged", "hostPath is refused by baseline");
    const sandboxNamespace = graph.get("kubernetes:core/v1:Namespace", "sandbox-namespace").inputs.metadata as { labels: Record<string, string> };
    assert.equal(sandboxNamespace.labels["pod-security.kubernetes.io/enforce"], "restricted", "which allows Localhost");
    assert.ok(graph.get("kubernetes:apps/v1:Deployment", "sandbox-deployment").dependencies.includes(installer.urn));
  });

  it("fences the sandbox: default deny, in only from agent pods and Prometheus, no egress when none is allowed", () => {
    const policies = graph.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy");
    assert.deepEqual(policies.map((p) => p.name).sort(), ["sandbox-allow-clients", "sandbox-allow-session-forwarding", "sandbox-default-deny"]);
    assert.deepEqual((graph.get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "sandbox-default-deny").inputs.spec as Record<string, unknown>), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const allow = JSON.stringify(graph.get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "sandbox-allow-clients").inputs.spec);
    assert.match(allow, /agentyard.dev\/sandbox-client/);
    assert.match(allow, /kubernetes.io\/metadata.name/);
    assert.equal(template(graph.get("kubernetes:apps/v1:Deployment", "agents-deployment")).metadata.labels["agentyard.dev/sandbox-client"], "true");
  });

  it("gives the sandbox's api its own address for session forwarding: POD_IP from the downward API, then $(POD_IP):8080", () => {
    const [api, executor] = template(graph.get("kubernetes:apps/v1:Deployment", "sandbox-deployment")).spec.containers;
    // Order matters: Kubernetes expands $(POD_IP) only from variables defined before it.
    assert.deepEqual(api.env, [
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "SANDBOX_ADVERTISE_ADDRESS", value: "$(POD_IP):8080" },
    ]);
    assert.equal(executor.env, undefined, "the executor forwards nothing and gets no address");
    const config = graph.get("kubernetes:core/v1:ConfigMap", "sandbox-config").inputs.data as Record<string, string>;
    assert.equal(config.SANDBOX_ADVERTISE_ADDRESS, undefined, "not in the ConfigMap both containers read");
  });

  it("passes prod's session settings to both containers through the ConfigMap, and the warm pool to the executor", () => {
    const config = graph.get("kubernetes:core/v1:ConfigMap", "sandbox-config").inputs.data as Record<string, string>;
    assert.deepEqual(
      [config.SANDBOX_MAX_SESSIONS, config.SANDBOX_SESSION_TTL, config.SANDBOX_SESSION_IDLE_TIMEOUT, config.SANDBOX_SESSION_MEMORY_LIMIT, config.SANDBOX_SESSION_CPU_LIMIT, config.SANDBOX_SESSION_FILE_LIMIT],
      ["4", "3600", "600", "256m", "300", "8m"],
    );
    assert.deepEqual([config.SANDBOX_WARM_POOL, config.SANDBOX_SCRATCH_SIZE], ["8", "64m"]);
    const [api, executor] = template(graph.get("kubernetes:apps/v1:Deployment", "sandbox-deployment")).spec.containers;
    for (const c of [api, executor]) assert.match(JSON.stringify(c.envFrom), /configMapRef/);
  });

  it("lets sandbox pods reach sandbox pods on 8080, in and out, for session forwarding, and nothing more", () => {
    const spec = graph.get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "sandbox-allow-session-forwarding").inputs.spec as Record<string, unknown>;
    const sandboxPods = (template(graph.get("kubernetes:apps/v1:Deployment", "sandbox-deployment")).metadata.labels);
    const selector = (spec.podSelector as { matchLabels: Record<string, string> }).matchLabels;
    for (const [key, value] of Object.entries(selector)) assert.equal(sandboxPods[key], value, "selects the sandbox pods");
    const replicas = [{ podSelector: { matchLabels: selector } }];
    const port = [{ protocol: "TCP", port: 8080 }];
    assert.deepEqual(spec, { podSelector: { matchLabels: selector }, policyTypes: ["Ingress", "Egress"], ingress: [{ from: replicas, ports: port }], egress: [{ to: replicas, ports: port }] });
  });

  it("has every workload hardened (probes, limits, non-root, read-only, drop ALL, seccomp), as the policy checks", async () => {
    const violations = (await runPolicies(graph.resources)).filter((v) => v.policy === "kubernetes-workloads-hardened");
    assert.deepEqual(violations, []);
    assert.ok(graph.ofType("kubernetes:apps/v1:Deployment").length >= 2);
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
  });

  it("produces Kubernetes objects that validate against the Kubernetes schema", async () => {
    const objects = graph.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom && !r.type.startsWith("kubernetes:index:"));
    const unknown = objects.filter((r) => !hasModel(r.type) && !UNVALIDATED_KUBERNETES_TYPES.has(r.type)).map((r) => r.type);
    assert.deepEqual(unknown, []);
    for (const r of objects.filter((x) => hasModel(x.type))) await validateManifest(r);
  });
});

describe("the sandbox under gVisor", () => {
  it("adds a tainted, labelled node group and a RuntimeClass that schedules onto it", async () => {
    const graph = await planStack("prod", { override: { "agentyard:sandbox": { gvisor: true } } });
    const nodes = graph.get("aws:eks/nodeGroup:NodeGroup", "cluster-sandbox-nodes");
    assert.deepEqual(nodes.inputs.taints, [{ key: "agentyard.dev/sandbox", value: "gvisor", effect: "NO_SCHEDULE" }]);
    const runtime = graph.get("kubernetes:node.k8s.io/v1:RuntimeClass", "sandbox-gvisor");
    assert.equal(runtime.inputs.handler, "runsc");
    const pod = template(graph.get("kubernetes:apps/v1:Deployment", "sandbox-deployment")).spec;
    assert.equal(pod.runtimeClassName, "prod-gvisor");
    // runsc applies no OCI seccomp filter (without --oci-seccomp), so no profile is installed for it.
    assert.deepEqual(pod.containers[1].securityContext?.seccompProfile, { type: "RuntimeDefault" });
    assert.equal(graph.ofType("kubernetes:apps/v1:DaemonSet").length, 0);
  });
});

describe("the local stack on kubernetes, with an agent image", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("local", { override: AGENT_IMAGE });
  });

  it("runs the agent service and sandbox with the in-cluster data tier, no AWS resource at all", () => {
    assert.ok(byComponent(graph, "AgentService") && byComponent(graph, "SandboxHost"));
    assert.equal(graph.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("docker-build:")).length, 0);
    assert.equal(graph.ofType("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding").length, 0);
    const ingress = graph.ofType("kubernetes:networking.k8s.io/v1:Ingress");
    assert.equal(ingress.length, 1);
  });

  it("forwards sessions between sandbox pods here too: the api's address and the policy", () => {
    const [api] = template(graph.get("kubernetes:apps/v1:Deployment", "sandbox-deployment")).spec.containers;
    assert.deepEqual(api.env?.map((e) => e.name), ["POD_IP", "SANDBOX_ADVERTISE_ADDRESS"]);
    assert.ok(graph.get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "sandbox-allow-session-forwarding"));
    const config = graph.get("kubernetes:core/v1:ConfigMap", "sandbox-config").inputs.data as Record<string, string>;
    assert.equal(config.SANDBOX_MAX_SESSIONS, "2", "the dev preset's");
  });

  it("has every workload hardened and every object valid against the Kubernetes schema", async () => {
    assert.deepEqual((await runPolicies(graph.resources)).filter((v) => v.level === "mandatory"), []);
    for (const r of graph.resources.filter((x) => hasModel(x.type))) await validateManifest(r);
  });
});

describe("SandboxHost's own checks", () => {
  it("refuses gVisor on plain kubernetes and an execution limit above the pod's", () => {
    assert.throws(() => new SandboxHost("s", { platform: "kubernetes", settings: { gvisor: true, executionMemoryMb: 4096, memoryMb: 1024 } }), (e: Error) => /settings\.gvisor/.test(e.message) && /settings\.executionMemoryMb: got 4096/.test(e.message));
  });

  it("refuses an execution limit above what the executor keeps after the api's 256 MiB", () => {
    assert.throws(() => new SandboxHost("s", { platform: "kubernetes", settings: { executionMemoryMb: 300, memoryMb: 512 } }), /settings\.executionMemoryMb: got 300, expected at most settings\.memoryMb - 256 \(256\)/);
  });

  it("refuses more sessions than the executor's memory holds, naming the numbers", () => {
    assert.throws(
      () => new SandboxHost("s", { platform: "kubernetes", preset: "dev", sessions: { max: 4 } }),
      /settings\.sessions\.max: got 4, expected at most 2 on kubernetes: 4 sessions x 192 MiB \(sessions\.memoryMb 128 \+ 64 MiB home on tmpfs\) \+ one execution's 320 MiB = 1088 MiB, more than the executor's 768 MiB/,
    );
    assert.throws(() => new SandboxHost("s", { platform: "kubernetes", sessions: { idleTimeoutSeconds: 600, ttlSeconds: 300 } }), /settings\.sessions\.idleTimeoutSeconds: got 600, expected at most sessions\.ttlSeconds \(300\)/);
    assert.throws(() => new SandboxHost("s", { platform: "kubernetes", settings: { warmPool: 0 } }), /settings\.warmPool: got 0, expected an integer from 1 to 64/);
  });

  it("takes session settings key by key over the preset's, into the runtime's environment", async () => {
    const { graph } = await planComponent(() => new SandboxHost("s", { platform: "kubernetes", preset: "dev", sessions: { idleTimeoutSeconds: 120, cpuSeconds: 60 } }));
    const config = graph.get("kubernetes:core/v1:ConfigMap", "s-config").inputs.data as Record<string, string>;
    assert.deepEqual([config.SANDBOX_MAX_SESSIONS, config.SANDBOX_SESSION_TTL, config.SANDBOX_SESSION_IDLE_TIMEOUT, config.SANDBOX_SESSION_CPU_LIMIT], ["2", "3600", "120", "60"]);
  });

  it("opens no path between replicas and gives no address when sessions are off", async () => {
    const { graph } = await planComponent(() => new SandboxHost("s", { platform: "kubernetes", preset: "dev", sessions: { max: 0 } }));
    assert.deepEqual(graph.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.name).sort(), ["s-allow-clients", "s-default-deny"]);
    assert.equal(template(graph.get("kubernetes:apps/v1:Deployment", "s-deployment")).spec.containers[0].env, undefined);
    assert.equal((graph.get("kubernetes:core/v1:ConfigMap", "s-config").inputs.data as Record<string, string>).SANDBOX_MAX_SESSIONS, "0");
  });

  it("allows egress to exactly the configured CIDRs", async () => {
    const { graph } = await planComponent(() => new SandboxHost("s", { platform: "kubernetes", preset: "dev", settings: { egressAllowCidrs: ["10.0.0.0/8"] } }));
    const egress = graph.get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "s-allow-egress").inputs.spec as { egress: unknown };
    assert.deepEqual(egress.egress, [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }]);
  });

  it("fails the schema check on a malformed object (the validator is not a no-op)", async () => {
    const bad = { urn: "u", type: "kubernetes:apps/v1:Deployment", name: "bad", parent: undefined, custom: true, inputs: { metadata: { name: "x" }, spec: { replicas: "three" } }, dependencies: [], options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] } };
    await assert.rejects(validateManifest(bad));
  });
});
