import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { type PlannedResource, evaluate } from "../cli/plan/engine";
import { REPO_ROOT } from "../cli/plan/stack-file";
import { diagnosticsLines } from "../cli/plan/tree";
import { runDeployRules } from "../cli/rules";
import { customResourceOrdering } from "../cli/rules/ordering";
import { AgentService } from "../components/agent-service";
import { SANDBOX_CLAIM_ENV } from "../components/agent-service/sandbox-claims";
import { SandboxHost } from "../components/sandbox-host";
import { CLAIMANT_RULES } from "../components/sandbox-host/agent-sandbox/claims-rbac";
import { CONTROLLER_UID } from "../components/sandbox-host/agent-sandbox/controller";
import { AGENT_SANDBOX_CRDS, CRD_INSTALL_COMMAND } from "../components/sandbox-host/agent-sandbox/crds";
import { AGENT_SANDBOX_RELEASE, AGENT_SANDBOX_TAG, CONTROLLER_IMAGE, CONTROLLER_NAMESPACE } from "../components/sandbox-host/agent-sandbox/release";
import { readSandboxContract } from "../components/sandbox-host/contract";
import { ConfigError } from "../infra/config/problems";
import { API_TOKEN_SECONDS, KUBERNETES_API_ANNOTATION, SERVICE_ACCOUNT_DIR } from "../infra/kubernetes/api-token";
import { CRD_PREREQUISITE_ANNOTATION } from "../infra/kubernetes/crd-prerequisite";
import { WORKLOAD_TYPES, apiTokens, podSpec } from "../policy/rules";
import { SANDBOX_CLAIM, SANDBOX_TEMPLATE, SANDBOX_WARM_POOL } from "./agent-sandbox-schemas";
import { validateObject } from "./crd-schema";
import { waitsFor } from "./eks-graph";
import { type ResourceGraph, planComponent, planStack } from "./harness";
import { UNVALIDATED_KUBERNETES_TYPES, hasModel, podSpecProblems, validateManifest } from "./kubernetes-schema";
import { mandatory, runPolicies } from "./policy-harness";

const T = {
  template: "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate",
  warmPool: "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxWarmPool",
  crd: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
  deployment: "kubernetes:apps/v1:Deployment",
  policy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  service: "kubernetes:core/v1:Service",
  quota: "kubernetes:core/v1:ResourceQuota",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  runtimeClass: "kubernetes:node.k8s.io/v1:RuntimeClass",
};
const AGENT_IMAGE = "ghcr.io/acme/agent:1.0.0";
const CONTRACT = readSandboxContract();

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = (r: PlannedResource) => r.inputs.spec as Json;
const templatePod = (graph: ResourceGraph) => spec(graph.get(T.template, "sandbox-template")).podTemplate as { metadata: { labels: Record<string, string> }; spec: Json };
const CONTROLLER = "sandbox-controller-deployment-agent-sandbox-controller";

/** A SandboxTemplate against our transcription of its v1beta1 schema, and its pod against the Kubernetes PodSpec. */
async function templateProblems(template: Json): Promise<string[]> {
  return [...validateObject(template, SANDBOX_TEMPLATE), ...(await podSpecProblems(template.spec?.podTemplate?.spec, "$.spec.podTemplate.spec"))];
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
/** Whether RBAC rules allow a request (no wildcards: ours name every group, resource and verb). */
function allows(rules: readonly Rule[], group: string, resource: string, verb: string, name?: string): boolean {
  return rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb) && (!r.resourceNames || (name !== undefined && r.resourceNames.includes(name))));
}
const MANAGE = ["get", "list", "watch", "create", "update", "patch", "delete"];

/** Every pod-making object of the plan that holds a Kubernetes API token, by name, with where the token comes from. */
function tokenHolders(graph: ResourceGraph): Record<string, string[]> {
  const holders: Record<string, string[]> = {};
  for (const r of graph.resources.filter((x) => WORKLOAD_TYPES.has(x.type))) {
    const tokens = apiTokens(podSpec(r.type, r.inputs as Json));
    if (tokens.length) holders[r.name] = tokens.map((t) => t.source);
  }
  return holders;
}

/** Whether a NetworkPolicy peer admits a pod with these labels in a namespace with these labels (matchLabels only, as ours use). */
function admits(peer: Json, podLabels: Record<string, string>, namespaceLabels: Record<string, string>): boolean {
  const subset = (want: Record<string, string> | undefined, have: Record<string, string>) => Object.entries(want ?? {}).every(([k, v]) => have[k] === v);
  if (peer.ipBlock) return false;
  if (peer.namespaceSelector && !subset(peer.namespaceSelector.matchLabels, namespaceLabels)) return false;
  return subset(peer.podSelector?.matchLabels, podLabels);
}

const AGENTS = { deployment: "agents-deployment", config: "agents-config", account: "agents-service-account" };
const agentPod = (graph: ResourceGraph) => spec(graph.get(T.deployment, AGENTS.deployment)).template as { metadata: { labels: Record<string, string> }; spec: Json };

describe(`engine agent-sandbox ${AGENT_SANDBOX_RELEASE.version} on the prod stack (eks, gVisor, an agent image)`, () => {
  let graph: ResourceGraph;
  let host: ResourceGraph;
  before(async () => {
    graph = await planStack("prod", { override: { "agentyard:sandbox": { engine: "agent-sandbox", gvisor: true }, "agentyard:agents": { image: AGENT_IMAGE } } });
    host = graph.within("agentyard:components:SandboxHost");
  });

  it("installs no CRD (the cluster admin applies the release's) and runs the controller from the release image, extensions on", () => {
    assert.deepEqual(graph.ofType(T.crd).map((c) => c.name), [], "the CRDs are a prerequisite, not ours");
    const controller = host.get(T.deployment, CONTROLLER);
    assert.equal((controller.inputs.metadata as Json).namespace, CONTROLLER_NAMESPACE);
    const [container] = spec(controller).template.spec.containers as Json[];
    assert.equal(container.image, CONTROLLER_IMAGE);
    assert.equal(CONTROLLER_IMAGE, "registry.k8s.io/agent-sandbox/agent-sandbox-controller:v0.5.6");
    assert.deepEqual(container.args, ["--leader-elect=true", "--extensions"], "as k8s/kustomization.yaml patches it");
    assert.equal(spec(controller).replicas, 2, "prod: a standby behind leader election");
    const own = host.resources.filter((r) => r.name.startsWith("sandbox-controller-") && r !== controller);
    assert.equal(own.length, 8, "namespace, ServiceAccount, ClusterRole and binding, Role and binding, two Services");
    for (const r of own) assert.ok(waitsFor(graph, controller, r), `the controller starts after ${r.name}`);
  });

  it("serves the conversion webhook where the release's CRDs call it: agent-sandbox-webhook-service.agent-sandbox-system:443 to the controller's webhook port", () => {
    const webhook = host.get(T.service, "sandbox-controller-service-agent-sandbox-webhook-service").inputs as Json;
    assert.deepEqual([webhook.metadata.name, webhook.metadata.namespace], ["agent-sandbox-webhook-service", "agent-sandbox-system"]);
    const pod = spec(host.get(T.deployment, CONTROLLER)).template as Json;
    for (const [k, v] of Object.entries(webhook.spec.selector as Record<string, string>)) assert.equal(pod.metadata.labels[k], v, "selects the controller's pods");
    const [port] = webhook.spec.ports as Json[];
    assert.equal(port.port, 443, "the CRDs name no port: 443");
    const [container] = pod.spec.containers as Json[];
    assert.deepEqual(container.ports.find((p: Json) => p.containerPort === port.targetPort), { name: "webhook", containerPort: 9443, protocol: "TCP" });
    const metrics = host.get(T.service, "sandbox-controller-service-agent-sandbox-controller").inputs as Json;
    assert.ok(container.ports.some((p: Json) => p.name === metrics.spec.ports[0].targetPort && p.containerPort === 8080));
  });

  it("lets the controller do what its controllers do, bound to its ServiceAccount, and no more", () => {
    const [clusterRole] = host.ofType(T.clusterRole);
    assert.equal(host.ofType(T.clusterRole).length, 1);
    const cluster = clusterRole.inputs.rules as Rule[];
    const sandboxObjects: Array<[string, string]> = [
      ["agents.x-k8s.io", "sandboxes"],
      ["extensions.agents.x-k8s.io", "sandboxclaims"],
      ["extensions.agents.x-k8s.io", "sandboxtemplates"],
      ["extensions.agents.x-k8s.io", "sandboxwarmpools"],
      ["", "pods"],
      ["", "services"],
      ["", "persistentvolumeclaims"],
      ["networking.k8s.io", "networkpolicies"],
      ["coordination.k8s.io", "leases"],
    ];
    for (const [group, resource] of sandboxObjects) for (const verb of MANAGE) assert.ok(allows(cluster, group, resource, verb), `${verb} ${resource}`);
    for (const sub of ["sandboxes/status", "sandboxes/finalizers"]) for (const verb of ["get", "update", "patch"]) assert.ok(allows(cluster, "agents.x-k8s.io", sub, verb), `${verb} ${sub}`);
    for (const sub of ["sandboxclaims/status", "sandboxclaims/finalizers", "sandboxtemplates/finalizers", "sandboxwarmpools/status", "sandboxwarmpools/finalizers"]) {
      for (const verb of ["get", "update", "patch"]) assert.ok(allows(cluster, "extensions.agents.x-k8s.io", sub, verb), `${verb} ${sub}`);
    }
    for (const group of ["", "events.k8s.io"]) for (const verb of ["create", "update", "patch"]) assert.ok(allows(cluster, group, "events", verb));
    // Its CA into the four CRDs' caBundle; not another CRD, and it cannot make or delete one.
    for (const crd of Object.values(AGENT_SANDBOX_CRDS)) for (const verb of ["get", "patch"]) assert.ok(allows(cluster, "apiextensions.k8s.io", "customresourcedefinitions", verb, crd.name), `${verb} ${crd.name}`);
    assert.ok(!allows(cluster, "apiextensions.k8s.io", "customresourcedefinitions", "patch", "nodepools.karpenter.sh"));
    for (const verb of ["create", "delete", "list"]) assert.ok(!allows(cluster, "apiextensions.k8s.io", "customresourcedefinitions", verb));
    // Nothing else: no Secrets anywhere, no nodes, no wildcards, no escalation.
    assert.ok(!cluster.some((r) => ["secrets", "nodes", "*"].some((x) => r.resources.includes(x)) || r.apiGroups.includes("*") || r.verbs.some((v) => ["*", "escalate", "bind", "impersonate"].includes(v))));
    assert.ok(!allows(cluster, "rbac.authorization.k8s.io", "clusterroles", "create"));

    // In its namespace: create the webhook certificate's Secret, then only that Secret.
    const role = host.get(T.role, "sandbox-controller-role-agent-sandbox-controller").inputs as Json;
    assert.equal(role.metadata.namespace, CONTROLLER_NAMESPACE);
    assert.ok(allows(role.rules, "", "secrets", "create"));
    assert.ok(allows(role.rules, "", "secrets", "get", "agent-sandbox-webhook-certs"));
    assert.ok(!allows(role.rules, "", "secrets", "get", "anything-else") && !allows(role.rules, "", "secrets", "list"));

    const account = host.get(T.serviceAccount, "sandbox-controller-serviceaccount-agent-sandbox-controller").inputs.metadata as Json;
    const pod = spec(host.get(T.deployment, CONTROLLER)).template.spec as Json;
    assert.equal(pod.serviceAccountName, account.name);
    const subject = [{ kind: "ServiceAccount", name: account.name, namespace: account.namespace }];
    const clusterBinding = host.get(T.clusterRoleBinding, "sandbox-controller-clusterrolebinding-agent-sandbox-controller").inputs as Json;
    assert.deepEqual([clusterBinding.roleRef.name, clusterBinding.subjects], [(clusterRole.inputs.metadata as Json).name, subject]);
    const binding = host.get(T.roleBinding, "sandbox-controller-rolebinding-agent-sandbox-controller").inputs as Json;
    assert.deepEqual([binding.roleRef.kind, binding.roleRef.name, binding.metadata.namespace, binding.subjects], ["Role", role.metadata.name, CONTROLLER_NAMESPACE, subject]);
  });

  it("hardens the controller's pod without taking its API token or its webhook certificate directory", () => {
    const pod = spec(host.get(T.deployment, CONTROLLER)).template.spec as Json;
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: CONTROLLER_UID, runAsGroup: CONTROLLER_UID, fsGroup: CONTROLLER_UID, seccompProfile: { type: "RuntimeDefault" } });
    assert.equal(pod.automountServiceAccountToken, true, "a controller talks to the API");
    const [c] = pod.containers as Json[];
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
    assert.ok(c.volumeMounts.some((m: Json) => m.mountPath === "/tmp"), "/tmp/k8s-webhook-server/serving-certs stays writable");
    assert.ok(pod.volumes.some((v: Json) => v.configMap?.name === "agent-sandbox-config" && v.configMap.optional === true));
    const namespace = host.get("kubernetes:core/v1:Namespace", "sandbox-controller-namespace-agent-sandbox-system").inputs.metadata as Json;
    assert.equal(namespace.labels["pod-security.kubernetes.io/enforce"], "restricted");
  });

  it("writes a SandboxTemplate and a SandboxWarmPool that our transcription of the v0.5.6 schemas accepts, the template's pod a valid PodSpec", async () => {
    const template = host.get(T.template, "sandbox-template");
    const pool = host.get(T.warmPool, "sandbox-warm-pool");
    assert.deepEqual(await templateProblems(template.inputs), []);
    assert.deepEqual(validateObject(pool.inputs, SANDBOX_WARM_POOL), []);
  });

  it("would catch a malformed template or pool (the schema check can fail)", async () => {
    const template = structuredClone(host.get(T.template, "sandbox-template").inputs) as Json;
    template.spec.networkPolicyManagement = "Off";
    template.spec.podTemplate.spec.containers[0].imagePullPolicy = 3;
    delete template.spec.podTemplate.spec.containers[1].name;
    const problems = await templateProblems(template);
    assert.ok(problems.includes(`$.spec.networkPolicyManagement: got "Off", expected one of ["Managed","Unmanaged"]`), problems.join("\n"));
    assert.ok(problems.includes("$.spec.podTemplate.spec.containers[0].imagePullPolicy: must be string"), problems.join("\n"));
    assert.ok(problems.includes("$.spec.podTemplate.spec.containers[1]: must have required property name"), problems.join("\n"));
    delete template.spec.podTemplate;
    assert.ok(validateObject(template, SANDBOX_TEMPLATE).includes("$.spec: podTemplate is required"));
    const pool = structuredClone(host.get(T.warmPool, "sandbox-warm-pool").inputs) as Json;
    pool.spec.replicas = -1;
    pool.spec.updateStrategy.type = "Rolling";
    delete pool.spec.sandboxTemplateRef;
    assert.deepEqual(validateObject(pool, SANDBOX_WARM_POOL), [
      "$.spec: sandboxTemplateRef is required",
      "$.spec.replicas: -1 below 0",
      `$.spec.updateStrategy.type: got "Rolling", expected one of ["Recreate","OnReplenish"]`,
    ]);
  });

  it("templates the runtime's two-container pod under gVisor, with a headless Service per sandbox and our network policy", () => {
    const template = spec(host.get(T.template, "sandbox-template"));
    assert.equal(template.service, true, "<sandbox>.<namespace>.svc reaches the claimed pod");
    assert.equal(template.networkPolicyManagement, "Unmanaged");
    assert.deepEqual([template.envVarsInjectionPolicy, template.volumeClaimTemplatesPolicy], ["Disallowed", "Disallowed"]);
    const pod = templatePod(host).spec;
    assert.equal(pod.runtimeClassName, (host.get(T.runtimeClass, "sandbox-gvisor").inputs.metadata as Json).name);
    assert.equal((host.get(T.runtimeClass, "sandbox-gvisor").inputs as Json).handler, "runsc");
    const [api, executor] = pod.containers as Json[];
    assert.deepEqual([api.name, executor.name], ["api", "executor"]);
    assert.deepEqual([api.securityContext.runAsUser, executor.securityContext.runAsUser], [CONTRACT.api.uid, CONTRACT.executor.uid]);
    assert.deepEqual(executor.securityContext.seccompProfile, { type: "RuntimeDefault" }, "under gVisor no Localhost profile");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(api.volumeMounts.map((m: Json) => m.mountPath), ["/run/agentyard", "/var/run/secrets/agentyard"]);
    assert.ok(!JSON.stringify(executor).includes("secret"), "the executor holds no secret");
  });

  it("passes the checks the runtime's pods pass: hardened, executor isolated, namespace denied by default", async () => {
    const violations = await runPolicies(graph.resources);
    const ours = violations.filter((v) => host.resources.some((r) => r.urn === v.urn));
    assert.deepEqual(ours, []);
    // The policies do read the template: a writable root and the token in the executor are caught.
    const template = host.get(T.template, "sandbox-template");
    const bad = structuredClone(template) as PlannedResource & { inputs: Json };
    bad.inputs.spec.podTemplate.spec.containers[1].securityContext.readOnlyRootFilesystem = false;
    bad.inputs.spec.podTemplate.spec.containers[1].volumeMounts.push({ name: "auth", mountPath: "/x" });
    const caught = (await runPolicies([bad])).map((v) => `${v.policy}: ${v.message}`);
    assert.ok(caught.includes("kubernetes-workloads-hardened: executor: root filesystem is writable"), caught.join("\n"));
    assert.ok(caught.includes("sandbox-executor-isolated: executor mounts auth, a Secret or projected volume"), caught.join("\n"));
  });

  it("fences the sandbox pods as the runtime's: default deny, in from agent pods and Prometheus only, no egress", () => {
    const policies = host.ofType(T.policy);
    assert.deepEqual(policies.map((p) => p.name).sort(), ["sandbox-allow-clients", "sandbox-default-deny"]);
    assert.deepEqual(spec(host.get(T.policy, "sandbox-default-deny")), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const allow = spec(host.get(T.policy, "sandbox-allow-clients"));
    const labels = templatePod(host).metadata.labels;
    for (const [k, v] of Object.entries(allow.podSelector.matchLabels as Record<string, string>)) assert.equal(labels[k], v, `selects the template's pods by ${k}`);
    assert.match(JSON.stringify(allow.ingress), /agentyard.dev\/sandbox-client/);
    assert.deepEqual(allow.ingress[0].ports, [{ protocol: "TCP", port: 8080 }]);
  });

  it("keeps prod's warm pool of 3 and caps the namespace at 20 sandbox pods", () => {
    assert.equal(spec(host.get(T.warmPool, "sandbox-warm-pool")).replicas, 3);
    assert.equal(spec(host.get(T.warmPool, "sandbox-warm-pool")).sandboxTemplateRef.name, "sandbox");
    assert.deepEqual(spec(host.get(T.quota, "sandbox-pod-quota")).hard, { pods: "20" });
  });

  it("lets the agent service's ServiceAccount create, get, watch and delete SandboxClaims in the sandbox namespace, nothing else", () => {
    const role = host.get(T.role, "sandbox-claimant-role");
    assert.deepEqual(role.inputs.rules, [{ apiGroups: ["extensions.agents.x-k8s.io"], resources: ["sandboxclaims"], verbs: ["create", "get", "watch", "delete"] }]);
    assert.deepEqual(role.inputs.rules, CLAIMANT_RULES);
    const binding = host.get(T.roleBinding, "sandbox-claimant-binding").inputs as Json;
    const sandboxNamespace = (host.get("kubernetes:core/v1:Namespace", "sandbox-namespace").inputs.metadata as Json).name;
    assert.equal(binding.metadata.namespace, sandboxNamespace);
    assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "sandbox-claimant" });
    const account = graph.get(T.serviceAccount, "agents-service-account").inputs.metadata as Json;
    assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: account.name, namespace: account.namespace }]);
    // No ClusterRole or RoleBinding of ours beyond the controller's and this one.
    const bindings = host.ofType(T.roleBinding).filter((b) => !b.name.startsWith("sandbox-controller-"));
    assert.deepEqual(bindings.map((b) => b.name), ["sandbox-claimant-binding"]);
  });

  it("makes a claim for the warm pool that the SandboxClaim schema (our transcription) accepts, and not one without the pool", () => {
    const claim = { apiVersion: SANDBOX_CLAIM.apiVersion, kind: "SandboxClaim", metadata: { name: "session-1" }, spec: { warmPoolRef: { name: (host.get(T.warmPool, "sandbox-warm-pool").inputs.metadata as Json).name }, lifecycle: { shutdownPolicy: "Delete" } } };
    assert.deepEqual(validateObject(claim, SANDBOX_CLAIM), []);
    assert.deepEqual(validateObject({ ...claim, spec: { lifecycle: { shutdownPolicy: "Never" } } }, SANDBOX_CLAIM), [
      "$.spec: warmPoolRef is required",
      `$.spec.lifecycle.shutdownPolicy: got "Never", expected one of ["Delete","DeleteForeground","Retain"]`,
    ]);
  });

  it("says on the template and the pool which CRD they need, as the deploy rule on custom resources asks, and fails it without", () => {
    const template = host.get(T.template, "sandbox-template");
    const pool = host.get(T.warmPool, "sandbox-warm-pool");
    const annotation = (r: PlannedResource) => (r.inputs.metadata as Json).annotations[CRD_PREREQUISITE_ANNOTATION];
    assert.equal(annotation(template), `https://raw.githubusercontent.com/kubernetes-sigs/agent-sandbox/v0.5.6/k8s/crds/${AGENT_SANDBOX_CRDS.SandboxTemplate.file}`);
    assert.equal(annotation(pool), `https://raw.githubusercontent.com/kubernetes-sigs/agent-sandbox/v0.5.6/k8s/crds/${AGENT_SANDBOX_CRDS.SandboxWarmPool.file}`);
    const ordering = (resources: readonly PlannedResource[]) => runDeployRules(resources, { today: "2026-12-02" }, [customResourceOrdering])[0].violations.map((v) => v.message);
    assert.deepEqual(ordering(graph.resources), []);
    const silent = structuredClone(template) as PlannedResource & { inputs: Json };
    delete silent.inputs.metadata.annotations[CRD_PREREQUISITE_ANNOTATION];
    assert.match(ordering([silent]).join(""), /sandbox-template" is a custom resource \(extensions\.agents\.x-k8s\.io\) that waits for no Helm release or CustomResourceDefinition/);
  });

  it("creates the template and the pool after the controller is up", () => {
    const controller = host.get(T.deployment, CONTROLLER);
    const template = host.get(T.template, "sandbox-template");
    const pool = host.get(T.warmPool, "sandbox-warm-pool");
    assert.ok(waitsFor(graph, template, controller));
    assert.ok(waitsFor(graph, pool, controller) && waitsFor(graph, pool, template));
  });

  it("produces Kubernetes objects that validate against the Kubernetes schema (RBAC, the controller)", async () => {
    const objects = host.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom);
    assert.deepEqual(objects.filter((r) => !hasModel(r.type) && !UNVALIDATED_KUBERNETES_TYPES.has(r.type)).map((r) => r.type), []);
    for (const r of objects.filter((x) => hasModel(x.type))) await validateManifest(r);
    assert.ok(!host.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" || r.type.startsWith("kubernetes:yaml")), "no chart or YAML resource: every object is in the plan");
  });

  it("gives the claiming agent, and among our pods it alone, an API token: projected, an hour, where clients look", () => {
    assert.deepEqual(tokenHolders(graph), { [AGENTS.deployment]: ["volume kube-api-access"], [CONTROLLER]: ["automounted"] }, "not the sandbox template, not the seccomp installer, not the data tier's or monitoring's pods");
    const pod = agentPod(graph).spec;
    assert.equal(pod.automountServiceAccountToken, false, "never in every container of the pod");
    assert.equal((graph.get(T.serviceAccount, AGENTS.account).inputs as Json).automountServiceAccountToken, false);
    const volume = (pod.volumes as Json[]).find((v) => v.name === "kube-api-access") as Json;
    assert.deepEqual(volume.projected.sources, [
      { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ]);
    assert.equal(volume.projected.sources[0].serviceAccountToken.audience, undefined, "the API server's audience, nobody else's");
    assert.equal(API_TOKEN_SECONDS, 3600);
    const [agent] = pod.containers as Json[];
    assert.deepEqual(agent.volumeMounts.filter((m: Json) => m.name === "kube-api-access"), [{ name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }]);
    assert.equal(SERVICE_ACCOUNT_DIR, "/var/run/secrets/kubernetes.io/serviceaccount");
    assert.match(String((graph.get(T.deployment, AGENTS.deployment).inputs.metadata as Json).annotations[KUBERNETES_API_ANNOTATION]), /SandboxClaims/);
  });

  it("tells the agent where to claim, from which pool, and how to reach the claimed sandbox", () => {
    const env = graph.get("kubernetes:core/v1:ConfigMap", AGENTS.config).inputs.data as Record<string, string>;
    const sandboxNamespace = (host.get("kubernetes:core/v1:Namespace", "sandbox-namespace").inputs.metadata as Json).name as string;
    assert.equal(env[SANDBOX_CLAIM_ENV.namespace], sandboxNamespace);
    assert.equal(env[SANDBOX_CLAIM_ENV.warmPool], (host.get(T.warmPool, "sandbox-warm-pool").inputs.metadata as Json).name);
    assert.equal(env[SANDBOX_CLAIM_ENV.apiVersion], SANDBOX_CLAIM.apiVersion);
    // The claim the agent would make from these, as the release's schema wants it.
    const claim = { apiVersion: env[SANDBOX_CLAIM_ENV.apiVersion], kind: "SandboxClaim", metadata: { name: "session-1", namespace: env[SANDBOX_CLAIM_ENV.namespace] }, spec: { warmPoolRef: { name: env[SANDBOX_CLAIM_ENV.warmPool] } } };
    assert.deepEqual(validateObject(claim, SANDBOX_CLAIM), []);
    // The claimed sandbox's headless Service is named as the Sandbox, in the sandbox namespace, on the api's port.
    const url = new URL(env[SANDBOX_CLAIM_ENV.urlTemplate].replace("{sandbox}", "session-1-x7k2p"));
    const [api] = templatePod(host).spec.containers as Json[];
    assert.equal(url.hostname, `session-1-x7k2p.${sandboxNamespace}.svc.cluster.local`);
    assert.equal(Number(url.port), api.ports.find((p: Json) => p.name === "http").containerPort);
    assert.ok(graph.get("kubernetes:core/v1:Secret", "agents-secrets").inputs.stringData !== undefined, "the bearer token still comes from the Secret (SANDBOX_TOKEN)");
  });

  it("lets the claiming agent's pods into the sandbox pods on the api's port, and leaves the agents' own egress, the API server's 443 included, unfenced", () => {
    const allow = spec(host.get(T.policy, "sandbox-allow-clients"));
    const agents = agentPod(graph);
    const agentsNamespace = (graph.get(T.deployment, AGENTS.deployment).inputs.metadata as Json).namespace as string;
    const namespaceLabels = { "kubernetes.io/metadata.name": agentsNamespace };
    const rule = (allow.ingress as Json[]).find((r) => (r.from as Json[]).some((peer) => admits(peer, agents.metadata.labels, namespaceLabels)));
    assert.ok(rule, "some peer of allow-clients admits the agent pods");
    assert.deepEqual(rule.ports, [{ protocol: "TCP", port: 8080 }]);
    assert.ok(!admits({ podSelector: allow.ingress[0].from[0].podSelector, namespaceSelector: {} }, { ...agents.metadata.labels, "agentyard.dev/sandbox-client": "false" }, namespaceLabels), "the label is what admits them");
    // No NetworkPolicy selects the agent pods, so their egress is not isolated (pods are, only once a
    // policy of type Egress selects them: https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation).
    // The claim calls go to kubernetes.default.svc:443, on EKS the cluster's private endpoint on 443
    // (https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html); a future egress policy for the agents must allow that.
    const selectingAgents = graph.ofType(T.policy).filter((p) => (p.inputs.metadata as Json).namespace === agentsNamespace);
    assert.deepEqual(selectingAgents.map((p) => p.name), []);
  });

  it("has the policy pack accept the agent's token because its Deployment says why, and refuse it on a sandbox pod whatever it says", async () => {
    const agents = graph.get(T.deployment, AGENTS.deployment);
    assert.deepEqual(await runPolicies([agents]), []);
    const silent = structuredClone(agents) as PlannedResource & { inputs: Json };
    delete silent.inputs.metadata.annotations;
    assert.deepEqual((await runPolicies([silent])).map((v) => `${v.policy}: ${v.message}`), [
      `kubernetes-workloads-hardened: holds a Kubernetes API token (volume kube-api-access) without saying why (annotation ${KUBERNETES_API_ANNOTATION})`,
    ]);
    const longLived = structuredClone(agents) as PlannedResource & { inputs: Json };
    longLived.inputs.spec.template.spec.volumes.find((v: Json) => v.name === "kube-api-access").projected.sources[0].serviceAccountToken.expirationSeconds = 7776000;
    assert.deepEqual((await runPolicies([longLived])).map((v) => v.message), ["Kubernetes API token in volume kube-api-access lives 7776000 s; at most 3600"]);

    // The agent's very token, annotation and all, put on the sandbox template: refused.
    const template = structuredClone(host.get(T.template, "sandbox-template")) as PlannedResource & { inputs: Json };
    const agentPodSpec = (agents.inputs.spec as Json).template.spec as Json;
    template.inputs.metadata.annotations = { ...(agents.inputs.metadata as Json).annotations };
    template.inputs.spec.podTemplate.spec.volumes.push(agentPodSpec.volumes.find((v: Json) => v.name === "kube-api-access"));
    template.inputs.spec.podTemplate.spec.containers[0].volumeMounts.push({ name: "kube-api-access", mountPath: SERVICE_ACCOUNT_DIR, readOnly: true });
    const defaultDeny = host.get(T.policy, "sandbox-default-deny");
    const onSandbox = (await runPolicies([template, defaultDeny])).map((v) => `${v.policy}: ${v.message}`);
    assert.deepEqual(onSandbox, ["sandbox-executor-isolated: a Kubernetes API token is projected (volume kube-api-access)"]);
    template.inputs.spec.podTemplate.spec.automountServiceAccountToken = true;
    assert.ok((await runPolicies([template, defaultDeny])).some((v) => v.message === "the service-account token is mounted"));
  });
});

describe("the agent service with engine agent-sandbox on kubernetes, and with the runtime engine", () => {
  it("on the local stack (kubernetes): the same token and env for the claiming agent", async () => {
    const local = await planStack("local", { override: { "agentyard:sandbox": { engine: "agent-sandbox" }, "agentyard:agents": { image: AGENT_IMAGE } } });
    assert.deepEqual(Object.keys(tokenHolders(local)).sort(), [AGENTS.deployment, CONTROLLER]);
    const env = local.get("kubernetes:core/v1:ConfigMap", AGENTS.config).inputs.data as Record<string, string>;
    assert.deepEqual(Object.keys(env).filter((k) => k.startsWith("SANDBOX_CLAIM_")).sort(), Object.values(SANDBOX_CLAIM_ENV).sort());
    const agentsNamespace = (local.get(T.deployment, AGENTS.deployment).inputs.metadata as Json).namespace;
    assert.deepEqual(local.ofType(T.policy).filter((p) => (p.inputs.metadata as Json).namespace === agentsNamespace).map((p) => p.name), [], "the agents' egress is not fenced here either");
    assert.deepEqual(mandatory(await runPolicies(local.resources)), []);
  });

  it("with the runtime engine: no pod of the stack holds an API token, and the agent gets no claim settings", async () => {
    const prod = await planStack("prod", { override: { "agentyard:sandbox": { gvisor: true }, "agentyard:agents": { image: AGENT_IMAGE } } });
    assert.deepEqual(tokenHolders(prod), {});
    const env = prod.get("kubernetes:core/v1:ConfigMap", AGENTS.config).inputs.data as Record<string, string>;
    assert.deepEqual(Object.keys(env).filter((k) => k.startsWith("SANDBOX_CLAIM_")), []);
    assert.equal((prod.get(T.deployment, AGENTS.deployment).inputs.metadata as Json).annotations, undefined);
  });
});

describe("engine agent-sandbox on kubernetes", () => {
  it("sizes the warm pool by preset (dev 1, staging 2), keeps the executor's Localhost profile, and binds no one unless told", async () => {
    const { graph: dev } = await planComponent(() => new SandboxHost("sandbox", { platform: "kubernetes", preset: "dev", engine: "agent-sandbox" }));
    assert.equal(spec(dev.get(T.warmPool, "sandbox-warm-pool")).replicas, 1);
    assert.equal(spec(dev.get(T.deployment, CONTROLLER)).replicas, 1);
    assert.deepEqual(spec(dev.get(T.quota, "sandbox-pod-quota")).hard, { pods: "2" });
    const executor = (templatePod(dev).spec.containers as Json[])[1];
    assert.deepEqual(executor.securityContext.seccompProfile, { type: "Localhost", localhostProfile: "agentyard/executor.json" });
    assert.equal(templatePod(dev).spec.runtimeClassName, undefined);
    assert.ok(waitsFor(dev, dev.get(T.template, "sandbox-template"), dev.get("kubernetes:apps/v1:DaemonSet", "sandbox-seccomp-daemonset")), "pods start after the profile is on the nodes");
    assert.equal(dev.ofType(T.role).filter((r) => r.name.startsWith("sandbox-claimant")).length, 0);
    assert.equal(dev.ofType(T.deployment).length, 1, "the controller's; no runtime Deployment");
    assert.deepEqual(await templateProblems(dev.get(T.template, "sandbox-template").inputs), []);

    const { graph: staging, result } = await planComponent(() => new SandboxHost("sandbox", { platform: "kubernetes", preset: "staging", settings: { engine: "agent-sandbox" } }));
    assert.equal(spec(staging.get(T.warmPool, "sandbox-warm-pool")).replicas, 2);
    assert.ok(result.claims, "the claims' coordinates are an output");
  });
});

describe("the release's CRDs: a prerequisite the cluster admin applies once per cluster", () => {
  const urls = Object.values(AGENT_SANDBOX_CRDS).map((crd) => `https://raw.githubusercontent.com/kubernetes-sigs/agent-sandbox/v0.5.6/k8s/crds/${crd.file}`);

  it("is one server-side kubectl apply of the four CRD files at the pinned tag", () => {
    assert.equal(AGENT_SANDBOX_TAG, "v0.5.6");
    assert.deepEqual(Object.values(AGENT_SANDBOX_CRDS).map((crd) => crd.file), [
      "agents.x-k8s.io_sandboxes.yaml",
      "extensions.agents.x-k8s.io_sandboxclaims.yaml",
      "extensions.agents.x-k8s.io_sandboxtemplates.yaml",
      "extensions.agents.x-k8s.io_sandboxwarmpools.yaml",
    ]);
    assert.equal(CRD_INSTALL_COMMAND, `kubectl apply --server-side ${urls.map((u) => `-f ${u}`).join(" ")}`);
    // Each CRD is named <plural>.<group> of the kinds we write.
    for (const kind of [SANDBOX_TEMPLATE, SANDBOX_WARM_POOL, SANDBOX_CLAIM]) {
      const crd = AGENT_SANDBOX_CRDS[kind.kind as keyof typeof AGENT_SANDBOX_CRDS];
      assert.equal(crd.name, `${kind.kind.toLowerCase()}s.${kind.apiVersion.split("/")[0]}`);
    }
  });

  it("is named by the plan, with the command, under Diagnostics; not with the runtime engine", async () => {
    const plan = (engine: "runtime" | "agent-sandbox") => evaluate(() => new SandboxHost("sandbox", { platform: "kubernetes", preset: "dev", engine }), { project: "agentyard", stack: "test", config: {} });
    const { warnings } = await plan("agent-sandbox");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^SandboxHost "sandbox": engine agent-sandbox needs the agent-sandbox v0\.5\.6 CRDs, which it does not install\. Once per cluster, before pulumi up, a cluster admin runs: /);
    assert.ok(warnings[0].endsWith(CRD_INSTALL_COMMAND));
    assert.ok(diagnosticsLines(warnings).includes(`  warning: ${warnings[0]}`));
    assert.deepEqual((await plan("runtime")).warnings, []);
  });

  it("is documented with the same command in the README and in the engine argument's JSDoc", () => {
    const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const args = readFileSync(path.join(REPO_ROOT, "components", "sandbox-host", "args.ts"), "utf8");
    // The shell block of the JSDoc, its continuation lines joined.
    const block = /```sh\n([\s\S]*?)\n\s*\* ```/.exec(args)?.[1] ?? "";
    assert.equal(block.replace(/^\s*\* ?/gm, "").replace(/ \\\n\s*/g, " "), CRD_INSTALL_COMMAND);
    assert.ok(readme.includes("kubectl apply --server-side"));
    for (const url of urls) assert.ok(readme.includes(url), `README names ${url}`);
  });
});

describe("engine agent-sandbox refused", () => {
  it("on ecs, naming the key, from the component and from the stack config", async () => {
    assert.throws(() => new SandboxHost("s", { platform: "ecs", ecsCluster: {} as never, engine: "agent-sandbox" }), (e: Error) => e instanceof ConfigError && /engine: got "agent-sandbox", expected runtime on ecs/.test(e.message));
    await assert.rejects(planStack("prod-ecs", { override: { "agentyard:sandbox": { engine: "agent-sandbox" } } }), /agentyard:sandbox\.engine: got "agent-sandbox", expected runtime on ecs/);
  });

  it("claims on an AgentService without the sandbox, of a runtime sandbox, or on ecs", () => {
    const claims = { apiVersion: "extensions.agents.x-k8s.io/v1beta1", namespace: {} as never, warmPool: {} as never, urlTemplate: {} as never };
    const agent = (extra: object) => () => new AgentService("a", { platform: "kubernetes", image: "a:1", sandboxClaims: claims, ...extra });
    assert.throws(agent({}), (e: Error) => e instanceof ConfigError && /sandboxClaims: got "claims without a sandbox", expected sandbox as well/.test(e.message));
    assert.throws(agent({ sandbox: { claims: undefined } }), /sandboxClaims: got "claims of a sandbox whose engine is runtime", expected a SandboxHost with engine agent-sandbox/);
    assert.throws(agent({ platform: "ecs", ecsCluster: {} }), /sandboxClaims: got "ecs", expected eks or kubernetes/);
  });

  it("with a load-balancer route, or agentSandbox settings under the runtime engine", () => {
    assert.throws(() => new SandboxHost("s", { platform: "kubernetes", engine: "agent-sandbox", route: { priority: 1 }, loadBalancer: {} as never }), /route: got "a route", expected none with engine agent-sandbox/);
    assert.throws(() => new SandboxHost("s", { platform: "kubernetes", agentSandbox: { claimants: [] } }), /agentSandbox: .* expected engine "agent-sandbox" as well/);
  });
});
