import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SandboxHost } from "../components/sandbox-host";
import { OMCP_LIMITS, defineTopology } from "../examples/omcp-sandbox/topology";
import { estimateCost } from "../cli/cost/estimate";
import { PRESETS } from "../infra/config/presets";
import { planComponent } from "./harness";
import { EXAMPLE_SITE } from "./example-site";
import { hasModel, validateManifest } from "./kubernetes-schema";
import { mandatory, runPolicies } from "./policy-harness";

describe("examples/omcp-sandbox (seed 000) on eks", () => {
  it("publishes the sandbox's /mcp on the ALB, admits only the ALB's subnets besides labelled clients, keeps the limits, and passes the policy pack", async () => {
    const { graph } = await planComponent(() => defineTopology("eks"), { stack: "prod", config: EXAMPLE_SITE });
    const rule = graph.get("aws:lb/listenerRule:ListenerRule", "edge-omcp");
    assert.deepEqual((rule.inputs.conditions as Array<{ pathPattern: { values: string[] } }>)[0].pathPattern.values, ["/mcp", "/mcp/*"]);
    assert.equal((graph.get("aws:lb/targetGroup:TargetGroup", "edge-omcp").inputs.healthCheck as { path: string }).path, "/ready");
    const binding = graph.get("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding", "omcp-target-group-binding");
    assert.equal((binding.inputs.spec as { serviceRef: { port: number } }).serviceRef.port, 8080);
    const allow = graph.get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "omcp-allow-clients");
    const from = (allow.inputs.spec as { ingress: Array<{ from: Array<{ ipBlock?: { cidr: string } }> }> }).ingress[0].from;
    assert.deepEqual(from.flatMap((f) => (f.ipBlock ? [f.ipBlock.cidr] : [])), ["10.80.192.0/22", "10.80.196.0/22", "10.80.200.0/22"], "the public subnets only, not the VPC");
    const config = graph.get("kubernetes:core/v1:ConfigMap", "omcp-config").inputs.data as Record<string, string>;
    assert.equal(config.SANDBOX_TIMEOUT, String(OMCP_LIMITS.timeoutMs / 1000));
    assert.equal(config.MAX_SANDBOXES, String(OMCP_LIMITS.maxConcurrent));
    assert.equal(graph.get("aws:lb/loadBalancer:LoadBalancer", "edge-alb").inputs.idleTimeout, 660);
    const volumes = JSON.stringify(graph.ofType("kubernetes:apps/v1:Deployment").map((d) => d.inputs.spec));
    assert.doesNotMatch(volumes, /docker\.sock|hostPath/);
    for (const r of graph.resources.filter((x) => hasModel(x.type))) await validateManifest(r);
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
  });
});

describe("examples/omcp-sandbox (seed 000) on ecs", () => {
  it("registers the sandbox tasks' api container to the /mcp target group, admits the ALB on 8080, and passes the policy pack with a cost", async () => {
    const { graph } = await planComponent(() => defineTopology("ecs"), { stack: "prod", config: EXAMPLE_SITE });
    const service = graph.get("aws:ecs/service:Service", "omcp-service");
    const registered = (service.inputs.loadBalancers as Array<{ containerName: string; containerPort: number }>)[0];
    assert.equal(registered.containerPort, 8080);
    // The task's containers are api and executor (sandbox/contract.json): ECS refuses a containerName the task lacks.
    const taskContainers = JSON.parse(graph.get("aws:ecs/taskDefinition:TaskDefinition", "omcp-task").inputs.containerDefinitions as string) as Array<{ name: string; portMappings?: Array<{ containerPort: number }> }>;
    const api = taskContainers.find((c) => c.name === registered.containerName);
    assert.equal(registered.containerName, "api");
    assert.ok(api?.portMappings?.some((p) => p.containerPort === 8080), "the registered container maps 8080");
    const fromAlb = graph.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "omcp-from-load-balancer");
    assert.deepEqual([fromAlb.inputs.fromPort, fromAlb.inputs.toPort], [8080, 8080]);
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
    assert.ok(estimateCost(graph.resources, "us-east-1", PRESETS.prod.cost).totalMonthlyUsd > 0);
  });

  it("refuses a route without the ALB's CIDRs on eks, and a route on kubernetes", () => {
    assert.throws(() => new SandboxHost("s", { platform: "kubernetes", route: { priority: 1 }, loadBalancer: {} as never }), /route: got "kubernetes", expected eks or ecs/);
    assert.throws(() => new SandboxHost("s", { platform: "eks", cluster: {} as never, route: { priority: 1 }, loadBalancer: {} as never }), /loadBalancerCidrs: .*the ALB's subnet CIDRs/);
  });
});
