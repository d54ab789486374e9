import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Network } from "../infra/network/network";
import { REQUIRED_TAG_KEYS, UNTAGGABLE_TYPES } from "../infra/naming";
import { mockId } from "../cli/plan/mock-outputs";
import { type ResourceGraph, planComponent, planStack } from "./harness";

const T = {
  network: "agentyard:infra:Network",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  nat: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  route: "aws:ec2/route:Route",
  routeTable: "aws:ec2/routeTable:RouteTable",
  association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  flowLog: "aws:ec2/flowLog:FlowLog",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
};

const tier = (graph: ResourceGraph, name: string) =>
  graph.ofType(T.subnet).filter((s) => (s.inputs.tags as Record<string, string>).tier === name);

/** The route table a subnet is associated with, and its default route if any. */
function defaultRouteOf(graph: ResourceGraph, subnetId: unknown) {
  const association = graph.ofType(T.association).find((a) => a.inputs.subnetId === subnetId);
  assert.ok(association, `subnet ${String(subnetId)} has a route table`);
  return graph.ofType(T.route).find((r) => r.inputs.routeTableId === association.inputs.routeTableId && r.inputs.destinationCidrBlock === "0.0.0.0/0");
}

describe("Network on the prod stack", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("prod").then((g) => g.within("agentyard:infra:Network"));
  });

  it("spans 3 AZs with public, private and isolated subnets in each", () => {
    for (const name of ["public", "private", "isolated"]) {
      const subnets = tier(graph, name);
      assert.equal(subnets.length, 3, name);
      assert.deepEqual(subnets.map((s) => s.inputs.availabilityZone).sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
    }
  });

  it("has a NAT gateway with its own Elastic IP in each AZ's public subnet", () => {
    const nats = graph.ofType(T.nat);
    assert.equal(nats.length, 3);
    assert.equal(graph.ofType(T.eip).length, 3);
    const publicIds = new Set(tier(graph, "public").map((s) => mockIdOf(graph, s.urn)));
    assert.equal(new Set(nats.map((n) => n.inputs.subnetId)).size, 3);
    for (const nat of nats) assert.ok(publicIds.has(nat.inputs.subnetId as string));
  });

  it("routes each private subnet through a NAT, public through the internet gateway, isolated nowhere", () => {
    const privateNats = tier(graph, "private").map((s) => defaultRouteOf(graph, mockIdOf(graph, s.urn))?.inputs.natGatewayId);
    assert.equal(new Set(privateNats).size, 3, "one NAT per AZ");
    for (const s of tier(graph, "public")) assert.match(String(defaultRouteOf(graph, mockIdOf(graph, s.urn))?.inputs.gatewayId), /^igw-/);
    for (const s of tier(graph, "isolated")) assert.equal(defaultRouteOf(graph, mockIdOf(graph, s.urn)), undefined);
  });

  it("launches nothing with a public IP and tags subnets for the AWS Load Balancer Controller", () => {
    for (const s of graph.ofType(T.subnet)) assert.equal(s.inputs.mapPublicIpOnLaunch, false);
    for (const s of tier(graph, "public")) assert.equal((s.inputs.tags as Record<string, string>)["kubernetes.io/role/elb"], "1");
    for (const s of tier(graph, "private")) assert.equal((s.inputs.tags as Record<string, string>)["kubernetes.io/role/internal-elb"], "1");
  });

  it("has the S3 gateway endpoint on private and isolated route tables, and interface endpoints for ECR, Secrets Manager, Logs and STS", () => {
    const endpoints = graph.ofType(T.endpoint);
    const s3 = endpoints.find((e) => e.inputs.vpcEndpointType === "Gateway");
    assert.equal(s3?.inputs.serviceName, "com.amazonaws.us-east-1.s3");
    assert.equal((s3?.inputs.routeTableIds as string[]).length, 4);
    const interfaces = endpoints.filter((e) => e.inputs.vpcEndpointType === "Interface").map((e) => e.inputs.serviceName).sort();
    assert.deepEqual(interfaces, ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts"].map((s) => `com.amazonaws.us-east-1.${s}`));
    for (const e of endpoints.filter((x) => x.inputs.vpcEndpointType === "Interface")) {
      assert.equal(e.inputs.privateDnsEnabled, true);
      assert.equal((e.inputs.subnetIds as string[]).length, 3);
    }
  });

  it("logs all VPC traffic to a log group kept for the preset's retention", () => {
    const flowLog = graph.ofType(T.flowLog)[0];
    assert.equal(flowLog.inputs.trafficType, "ALL");
    const group = graph.ofType(T.logGroup)[0];
    assert.equal(group.inputs.retentionInDays, 365);
    assert.equal(flowLog.inputs.logDestination, `arn:aws:logs:us-east-1:123456789012:log-group:${String(group.inputs.name)}`);
  });

  it("strips every rule from the VPC's default security group", () => {
    const sg = graph.ofType(T.defaultSg)[0];
    assert.equal(sg.inputs.ingress, undefined);
    assert.equal(sg.inputs.egress, undefined);
  });

  it("parents every resource to the Network component", () => {
    const network = graph.ofType(T.network)[0];
    const children = graph.childrenOf(network);
    const networkTypes = new Set(Object.values(T).filter((t) => t !== T.network));
    assert.ok(children.length >= 47);
    for (const r of graph.resources.filter((x) => networkTypes.has(x.type))) assert.equal(r.parent, network.urn, `${r.type} ${r.name}`);
  });

  it("tags every AWS resource with project, environment, component and managed-by", () => {
    for (const r of graph.awsResources().filter((x) => !UNTAGGABLE_TYPES.has(x.type))) {
      const tags = r.inputs.tags as Record<string, string> | undefined;
      for (const key of REQUIRED_TAG_KEYS) assert.ok(tags?.[key], `${r.type} ${r.name} lacks tag ${key}`);
      assert.equal(tags?.environment, "prod");
    }
  });
});

/** The id the mock engine gave a resource: what other resources' inputs hold (inputs carry ids, not URNs). */
function mockIdOf(graph: ResourceGraph, urn: string): string {
  const r = graph.byUrn(urn);
  assert.ok(r);
  return mockId(r.type, r.name, r.inputs);
}

describe("Network on the dev stack", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("dev").then((g) => g.within("agentyard:infra:Network"));
  });

  it("spans 2 AZs with one NAT instance (no NAT gateway) that every private subnet routes through", () => {
    assert.equal(tier(graph, "private").length, 2);
    assert.equal(graph.ofType(T.nat).length, 0);
    const instance = graph.get("aws:ec2/instance:Instance", "network-nat-instance");
    assert.equal(instance.inputs.instanceType, "t4g.nano");
    assert.equal(instance.inputs.sourceDestCheck, false);
    assert.deepEqual(instance.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required" });
    assert.equal((instance.inputs.rootBlockDevice as { encrypted: boolean }).encrypted, true);
    const targets = tier(graph, "private").map((s) => defaultRouteOf(graph, mockIdOf(graph, s.urn))?.inputs.networkInterfaceId);
    assert.equal(new Set(targets).size, 1);
    assert.ok(targets[0], "routes through the instance's network interface");
    const ingress = graph.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "network-nat-instance-from-vpc");
    assert.equal(ingress.inputs.cidrIpv4, "10.20.0.0/16", "only the VPC may use it");
  });

  it("skips the interface endpoints but keeps the free S3 gateway endpoint", () => {
    const endpoints = graph.ofType(T.endpoint);
    assert.deepEqual(endpoints.map((e) => e.inputs.vpcEndpointType), ["Gateway"]);
  });

  it("keeps flow logs for 7 days", () => {
    assert.equal(graph.ofType(T.logGroup)[0].inputs.retentionInDays, 7);
  });
});

describe("Network as a component", () => {
  it("creates no network at all on the kubernetes platform", async () => {
    const graph = await planStack("local");
    assert.equal(graph.awsResources().length, 0);
    assert.equal(graph.ofType(T.network).length, 0);
  });

  it("has no NAT and no default route in private subnets with natGateways none", async () => {
    const { graph } = await planComponent(() => new Network("net", { preset: "dev", natGateways: "none" }));
    assert.equal(graph.ofType(T.nat).length, 0);
    assert.equal(graph.ofType(T.route).length, 1, "only the public default route");
  });

  it("applies a transform to its children, as SST's transform does", async () => {
    const { graph } = await planComponent(() =>
      new Network("net", {
        preset: "dev",
        transform: {
          vpc: { enableNetworkAddressUsageMetrics: true },
          subnet: (args) => {
            args.tags = { ...(args.tags as Record<string, string>), team: "agents" };
          },
        },
      }),
    );
    assert.equal(graph.ofType(T.vpc)[0].inputs.enableNetworkAddressUsageMetrics, true);
    for (const s of graph.ofType(T.subnet)) assert.equal((s.inputs.tags as Record<string, string>).team, "agents");
  });

  it("refuses bad args before creating anything, with the same messages as stack config", () => {
    assert.throws(() => new Network("net", { cidr: "10.0.0.0/8" }), /cidr: got "10.0.0.0\/8", expected an IPv4 CIDR block from \/16 to \/20/);
  });

  it("works in preview mode, where computed outputs are unknown", async () => {
    const { graph } = await planComponent(() => new Network("net", { preset: "dev" }), { preview: true });
    const subnet = graph.get(T.subnet, "net-private-0");
    assert.equal(subnet.inputs.vpcId, "[unknown]");
    assert.equal(subnet.inputs.cidrBlock, "10.20.0.0/19");
  });

  it("exposes its subnet ids and AZs as outputs", async () => {
    const { result } = await planComponent(() => new Network("net", { preset: "prod" }));
    const ids = await Promise.all(result.isolatedSubnetIds.map((o) => new Promise((resolve) => o.apply(resolve))));
    assert.equal(ids.length, 3);
    for (const id of ids) assert.match(String(id), /^subnet-0[0-9a-f]{16}$/);
    const zones = await new Promise((resolve) => result.availabilityZones.apply(resolve));
    assert.deepEqual(zones, ["us-east-1a", "us-east-1b", "us-east-1c"]);
  });
});
