import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { load, loadAll } from "js-yaml";
import type { PlannedResource } from "../cli/plan/engine";
import { AgentService } from "../components/agent-service";
import { SANDBOX_CLAIM_ENV } from "../components/agent-service/sandbox-claims";
import { SandboxHost } from "../components/sandbox-host";
import { CLAIMANT_RULES } from "../components/sandbox-host/agent-sandbox/claims-rbac";
import { CONTROLLER_UID } from "../components/sandbox-host/agent-sandbox/controller";
import { AGENT_SANDBOX_SOURCE, CONTROLLER_IMAGE, CONTROLLER_NAMESPACE, CRD_FILES, assetFile } from "../components/sandbox-host/agent-sandbox/release";
import { readSandboxContract } from "../components/sandbox-host/contract";
import { ConfigError } from "../infra/config/problems";
import { API_TOKEN_SECONDS, KUBERNETES_API_ANNOTATION, SERVICE_ACCOUNT_DIR } from "../infra/kubernetes/api-token";
import { WORKLOAD_TYPES, apiTokens, podSpec } from "../policy/rules";
import { crdSchema, validateObject } from "./crd-schema";
import { waitsFor } from "./eks-graph";
import { type ResourceGraph, planComponent, planStack } from "./harness";
import { UNVALIDATED_KUBERNETES_TYPES, hasModel, validateManifest } from "./kubernetes-schema";
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
  quota: "kubernetes:core/v1:ResourceQuota",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  runtimeClass: "kubernetes:node.k8s.io/v1:RuntimeClass",
};
const CRD = {
  template: crdSchema(assetFile(CRD_FILES.SandboxTemplate), "v1beta1"),
  warmPool: crdSchema(assetFile(CRD_FILES.SandboxWarmPool), "v1beta1"),
  claim: crdSchema(assetFile(CRD_FILES.SandboxClaim), "v1beta1"),
};
const AGENT_IMAGE = "ghcr.io/acme/agent:1.0.0";
const CONTRACT = readSandboxContract();

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = (r: PlannedResource) => r.inputs.spec as Json;
const templatePod = (graph: ResourceGraph) => spec(graph.get(T.template, "sandbox-template")).podTemplate as { metadata: { labels: Record<string, string> }; spec: Json };
const upstream = (base: string) => (loadAll(readFileSync(assetFile(base), "utf8")) as Json[]).filter(Boolean);

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

describe(`engine agent-sandbox ${AGENT_SANDBOX_SOURCE.version} on the prod stack (eks, gVisor, an agent image)`, () => {
  let graph: ResourceGraph;
  let host: ResourceGraph;
  before(async () => {
    graph = await planStack("prod", { override: { "agentyard:sandbox": { engine: "agent-sandbox", gvisor: true }, "agentyard:agents": { image: AGENT_IMAGE } } });
    host = graph.within("agentyard:components:SandboxHost");
  });

  it("installs the release's four CRDs as published and its controller from the release image, extensions on", () => {
    const crds = host.ofType(T.crd);
    assert.deepEqual(crds.map((c) => (c.inputs.metadata as { name: string }).name).sort(), ["sandboxclaims.extensions.agents.x-k8s.io", "sandboxes.agents.x-k8s.io", "sandboxtemplates.extensions.agents.x-k8s.io", "sandboxwarmpools.extensions.agents.x-k8s.io"]);
    for (const crd of crds) {
      // sandboxtemplates.extensions.agents.x-k8s.io is upstream's extensions.agents.x-k8s.io_sandboxtemplates.yaml
      const [plural, ...group] = String((crd.inputs.metadata as Json).name).split(".");
      const published = load(readFileSync(assetFile(`${group.join(".")}_${plural}`), "utf8")) as Json;
      assert.deepEqual(crd.inputs.spec, published.spec, `${crd.name}: the release's spec, untouched`);
    }
    const controller = host.get(T.deployment, "sandbox-controller-deployment-agent-sandbox-controller");
    assert.equal((controller.inputs.metadata as Json).namespace, CONTROLLER_NAMESPACE);
    const [container] = spec(controller).template.spec.containers as Json[];
    assert.equal(container.image, CONTROLLER_IMAGE);
    assert.equal(CONTROLLER_IMAGE, "registry.k8s.io/agent-sandbox/agent-sandbox-controller:v0.5.6");
    assert.deepEqual(container.args, ["--leader-elect=true", "--extensions"], "as k8s/kustomization.yaml patches it");
    assert.equal(spec(controller).replicas, 2, "prod: a standby behind leader election");
    for (const c of crds) assert.ok(waitsFor(graph, controller, c), `the controller starts after ${c.name}, which it patches`);
  });

  it("gives the controller exactly the release's RBAC", () => {
    const rules = (name: string) => host.ofType(T.clusterRole).find((r) => (r.inputs.metadata as Json).name === name)?.inputs.rules;
    const published = [...upstream("rbac.generated"), ...upstream("extensions-rbac.generated")];
    for (const role of published) assert.deepEqual(rules(role.metadata.name), role.rules, role.metadata.name);
    assert.equal(host.ofType(T.clusterRole).length, 2);
  });

  it("hardens the controller's pod without taking its API token or its webhook certificate directory", () => {
    const pod = spec(host.get(T.deployment, "sandbox-controller-deployment-agent-sandbox-controller")).template.spec as Json;
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

  it("validates the SandboxTemplate and SandboxWarmPool against the release's CRD schemas", () => {
    const template = host.get(T.template, "sandbox-template");
    const pool = host.get(T.warmPool, "sandbox-warm-pool");
    assert.deepEqual(validateObject(template.inputs, CRD.template), []);
    assert.deepEqual(validateObject(pool.inputs, CRD.warmPool), []);
  });

  it("would catch a malformed template or pool (the schema check can fail)", () => {
    const template = structuredClone(host.get(T.template, "sandbox-template").inputs) as Json;
    template.spec.networkPolicyManagement = "Off";
    template.spec.podTemplate.spec.containers[0].imagePullPolicy = 3;
    delete template.spec.podTemplate.spec.containers[1].name;
    const problems = validateObject(template, CRD.template);
    assert.ok(problems.some((p) => p.includes("networkPolicyManagement")), problems.join("\n"));
    assert.ok(problems.some((p) => p.includes("imagePullPolicy")));
    assert.ok(problems.some((p) => p.includes("containers[1]: name is required")));
    const pool = structuredClone(host.get(T.warmPool, "sandbox-warm-pool").inputs) as Json;
    pool.spec.replicas = -1;
    delete pool.spec.sandboxTemplateRef;
    assert.equal(validateObject(pool, CRD.warmPool).length, 2);
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

  it("makes a claim for the warm pool that the release's SandboxClaim schema accepts", () => {
    const claim = { apiVersion: CRD.claim.apiVersion, kind: "SandboxClaim", metadata: { name: "session-1" }, spec: { warmPoolRef: { name: spec(host.get(T.warmPool, "sandbox-warm-pool")).sandboxTemplateRef.name }, lifecycle: { shutdownPolicy: "Delete" } } };
    assert.deepEqual(validateObject(claim, CRD.claim), []);
  });

  it("creates the template and the pool after their CRDs and the controller", () => {
    const controller = host.get(T.deployment, "sandbox-controller-deployment-agent-sandbox-controller");
    const crd = (n: string) => host.ofType(T.crd).find((c) => (c.inputs.metadata as Json).name === n) as PlannedResource;
    const template = host.get(T.template, "sandbox-template");
    const pool = host.get(T.warmPool, "sandbox-warm-pool");
    assert.ok(waitsFor(graph, template, crd("sandboxtemplates.extensions.agents.x-k8s.io")) && waitsFor(graph, template, controller));
    assert.ok(waitsFor(graph, pool, crd("sandboxwarmpools.extensions.agents.x-k8s.io")) && waitsFor(graph, pool, template));
  });

  it("produces Kubernetes objects that validate against the Kubernetes schema (CRDs, RBAC, the controller)", async () => {
    const objects = host.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom);
    assert.deepEqual(objects.filter((r) => !hasModel(r.type) && !UNVALIDATED_KUBERNETES_TYPES.has(r.type)).map((r) => r.type), []);
    for (const r of objects.filter((x) => hasModel(x.type))) await validateManifest(r);
    assert.ok(!host.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" || r.type.startsWith("kubernetes:yaml")), "no chart or YAML resource: every object is in the plan");
  });

  it("gives the claiming agent, and among our pods it alone, an API token: projected, an hour, where clients look", () => {
    assert.deepEqual(tokenHolders(graph), { [AGENTS.deployment]: ["volume kube-api-access"], "sandbox-controller-deployment-agent-sandbox-controller": ["automounted"] }, "not the sandbox template, not the seccomp installer, not the data tier's or monitoring's pods");
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
    assert.equal(env[SANDBOX_CLAIM_ENV.apiVersion], CRD.claim.apiVersion);
    // The claim the agent would make from these, as the release's schema wants it.
    const claim = { apiVersion: env[SANDBOX_CLAIM_ENV.apiVersion], kind: "SandboxClaim", metadata: { name: "session-1", namespace: env[SANDBOX_CLAIM_ENV.namespace] }, spec: { warmPoolRef: { name: env[SANDBOX_CLAIM_ENV.warmPool] } } };
    assert.deepEqual(validateObject(claim, CRD.claim), []);
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
    assert.deepEqual(Object.keys(tokenHolders(local)).sort(), [AGENTS.deployment, "sandbox-controller-deployment-agent-sandbox-controller"]);
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
    assert.equal(spec(dev.get(T.deployment, "sandbox-controller-deployment-agent-sandbox-controller")).replicas, 1);
    assert.deepEqual(spec(dev.get(T.quota, "sandbox-pod-quota")).hard, { pods: "2" });
    const executor = (templatePod(dev).spec.containers as Json[])[1];
    assert.deepEqual(executor.securityContext.seccompProfile, { type: "Localhost", localhostProfile: "agentyard/executor.json" });
    assert.equal(templatePod(dev).spec.runtimeClassName, undefined);
    assert.ok(waitsFor(dev, dev.get(T.template, "sandbox-template"), dev.get("kubernetes:apps/v1:DaemonSet", "sandbox-seccomp-daemonset")), "pods start after the profile is on the nodes");
    assert.equal(dev.ofType(T.role).filter((r) => r.name.startsWith("sandbox-claimant")).length, 0);
    assert.equal(dev.ofType(T.deployment).length, 1, "the controller's; no runtime Deployment");
    assert.deepEqual(validateObject(dev.get(T.template, "sandbox-template").inputs, CRD.template), []);

    const { graph: staging, result } = await planComponent(() => new SandboxHost("sandbox", { platform: "kubernetes", preset: "staging", settings: { engine: "agent-sandbox" } }));
    assert.equal(spec(staging.get(T.warmPool, "sandbox-warm-pool")).replicas, 2);
    assert.ok(result.claims, "the claims' coordinates are an output");
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
