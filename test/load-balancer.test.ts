import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { LoadBalancer, type LoadBalancerArgs } from "../components/load-balancer";
import { ingressPrefix } from "../components/load-balancer/kubernetes";
import { patternPrefix } from "../components/load-balancer/routes";
import { REQUIRED_TAG_KEYS, UNTAGGABLE_TYPES } from "../infra/naming";
import { type ResourceGraph, planComponent, planStack } from "./harness";

const T = {
  alb: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  rule: "aws:lb/listenerRule:ListenerRule",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  bucket: "aws:s3/bucket:Bucket",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  policy: "aws:s3/bucketPolicy:BucketPolicy",
  waf: "aws:wafv2/webAcl:WebAcl",
  cert: "aws:acm/certificate:Certificate",
  record: "aws:route53/record:Record",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
};

type Rule = { name: string; statement: Record<string, Record<string, unknown>> };

const awsArgs = (extra: Partial<LoadBalancerArgs> = {}): LoadBalancerArgs => ({
  platform: "ecs",
  preset: "prod",
  vpcId: "vpc-0123",
  publicSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
  workloadSecurityGroupIds: ["sg-agents", "sg-sandbox"],
  ...extra,
});

const twoRoutes = {
  agents: { port: 8080, priority: 100, pathPatterns: ["/v1/*"], healthCheckPath: "/ready" },
  auth: { port: 8080, priority: 50, pathPatterns: ["/auth/*"], rateLimit: "auth" as const },
};

describe("LoadBalancer on the prod stack", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("prod").then((g) => g.within("agentyard:components:LoadBalancer"));
  });

  it("is one internet-facing ALB in the public subnets that drops invalid headers, mitigates desync strictly and suits streaming", () => {
    const [alb] = graph.ofType(T.alb);
    assert.equal(alb.inputs.internal, false);
    assert.equal((alb.inputs.subnets as string[]).length, 3);
    assert.equal(alb.inputs.dropInvalidHeaderFields, true);
    assert.equal(alb.inputs.desyncMitigationMode, "strictest");
    assert.equal(alb.inputs.idleTimeout, 300);
    assert.equal(alb.inputs.enableDeletionProtection, true);
    assert.equal(alb.inputs.name, "agentyard-prod");
  });

  it("writes access logs to a bucket that blocks public access, is encrypted, refuses plain HTTP and expires old logs", () => {
    const [alb] = graph.ofType(T.alb);
    const [bucket] = graph.ofType(T.bucket);
    const logs = alb.inputs.accessLogs as { bucket: string; enabled: boolean; prefix: string };
    assert.match(logs.bucket, /^public-access-logs-[0-9a-f]{7}$/, "the bucket's name, as the mock gave it");
    assert.deepEqual([logs.enabled, logs.prefix], [true, "alb"]);
    assert.equal(bucket.inputs.bucketPrefix, "agentyard-prod-alb-logs-");
    assert.equal(bucket.inputs.forceDestroy, false, "kept in prod");
    const block = graph.ofType(T.publicAccess)[0].inputs;
    for (const key of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block[key], true, key);
    assert.deepEqual((graph.ofType(T.encryption)[0].inputs.rules as Array<Record<string, unknown>>)[0].applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
    assert.equal((graph.ofType(T.lifecycle)[0].inputs.rules as Array<{ expiration: { days: number } }>)[0].expiration.days, 90);
    const policy = JSON.parse(graph.ofType(T.policy)[0].inputs.policy as string) as { Statement: Array<Record<string, unknown>> };
    const deny = policy.Statement.find((s) => s.Effect === "Deny");
    assert.deepEqual(deny?.Condition, { Bool: { "aws:SecureTransport": "false" } });
    const allow = policy.Statement.find((s) => s.Effect === "Allow");
    assert.deepEqual(allow?.Principal, { AWS: "arn:aws:iam::127311923021:root" }, "the us-east-1 ELB account delivers logs");
  });

  it("admits 80 and 443 from the internet and has no egress until services attach", () => {
    const ingress = graph.ofType(T.ingressRule).map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4]);
    assert.deepEqual(ingress.sort(), [[443, "0.0.0.0/0"], [80, "0.0.0.0/0"]]);
    assert.equal(graph.ofType(T.egressRule).length, 0);
  });

  it("puts a WAF in front with a per-IP rate limit of 600 a minute and the AWS common rule set", () => {
    const [acl] = graph.ofType(T.waf);
    assert.equal(acl.inputs.scope, "REGIONAL");
    const rules = acl.inputs.rules as Rule[];
    const rate = rules.find((r) => r.name === "rate-limit-api");
    assert.deepEqual(rate?.statement.rateBasedStatement, { aggregateKeyType: "IP", evaluationWindowSec: 60, limit: 600 });
    assert.equal(rules.find((r) => r.name === "aws-common-rule-set")?.statement.managedRuleGroupStatement.name, "AWSManagedRulesCommonRuleSet");
  });

  it("serves HTTPS for the stack's (example) domain, with a DNS-validated certificate, and HTTP only redirects", () => {
    const listeners = graph.ofType(T.listener);
    assert.deepEqual(listeners.map((l) => [l.inputs.port, l.inputs.protocol]).sort(), [[443, "HTTPS"], [80, "HTTP"]]);
    assert.equal(graph.ofType(T.cert)[0].inputs.domainName, "agents.example.com");
    const http = listeners.find((l) => l.inputs.port === 80);
    assert.equal((http?.inputs.defaultActions as Array<{ type: string }>)[0].type, "redirect");
  });

  it("tags every AWS resource", () => {
    for (const r of graph.awsResources().filter((x) => !UNTAGGABLE_TYPES.has(x.type))) {
      for (const key of REQUIRED_TAG_KEYS) assert.ok((r.inputs.tags as Record<string, string> | undefined)?.[key], `${r.type} ${r.name} lacks ${key}`);
    }
  });
});

describe("LoadBalancer on the dev stack", () => {
  it("has no WAF and no deletion protection, with defensive desync mitigation and a destroyable log bucket", async () => {
    const graph = await planStack("dev");
    assert.equal(graph.ofType(T.waf).length, 0);
    const [alb] = graph.ofType(T.alb);
    assert.equal(alb.inputs.enableDeletionProtection, false);
    assert.equal(alb.inputs.desyncMitigationMode, "defensive");
    assert.equal(graph.ofType(T.bucket)[0].inputs.forceDestroy, true);
  });
});

describe("LoadBalancer with a domain", () => {
  it("requests a DNS-validated certificate, serves TLS 1.2/1.3 with HSTS, redirects HTTP with 301 and aliases the domain", async () => {
    const { graph, result } = await planComponent(() => new LoadBalancer("public", awsArgs({ domain: "agents.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" })));
    const [cert] = graph.ofType(T.cert);
    assert.equal(cert.inputs.domainName, "agents.example.com");
    assert.equal(cert.inputs.validationMethod, "DNS");
    const https = graph.get(T.listener, "public-https");
    assert.equal(https.inputs.protocol, "HTTPS");
    assert.equal(https.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
    assert.match(String(https.inputs.certificateArn), /^arn:aws:acm:us-east-1:123456789012:certificate\//);
    assert.equal(https.inputs.routingHttpResponseStrictTransportSecurityHeaderValue, "max-age=31536000; includeSubDomains");
    const http = graph.get(T.listener, "public-http");
    assert.deepEqual((http.inputs.defaultActions as Array<Record<string, unknown>>)[0].redirect, { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" });
    const alias = graph.get(T.record, "public-alias");
    assert.equal(alias.inputs.name, "agents.example.com");
    assert.equal(result.httpsEnabled, true);
    assert.deepEqual(result.warnings, []);
    assert.equal(await new Promise((resolve) => result.url.apply(resolve)), "https://agents.example.com");
  });

  it("serves a given certificate without requesting one", async () => {
    const arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d";
    const { graph } = await planComponent(() => new LoadBalancer("public", awsArgs({ certificateArn: arn })));
    assert.equal(graph.ofType(T.cert).length, 0);
    assert.equal(graph.get(T.listener, "public-https").inputs.certificateArn, arn);
  });
});

describe("LoadBalancer routes", () => {
  let graph: ResourceGraph;
  before(async () => {
    ({ graph } = await planComponent(() => new LoadBalancer("public", awsArgs({ routes: twoRoutes }))));
  });

  it("creates an ip target group per route, health-checked on its path, with draining and slow start", () => {
    const tg = graph.get(T.targetGroup, "public-agents");
    assert.equal(tg.inputs.name, undefined, "auto-named: a replacement gets a new name instead of colliding");
    assert.equal(tg.inputs.namePrefix, undefined);
    assert.equal(tg.inputs.targetType, "ip");
    assert.equal(tg.inputs.port, 8080);
    assert.equal(tg.inputs.deregistrationDelay, 30);
    assert.equal(tg.inputs.slowStart, 30);
    assert.equal((tg.inputs.healthCheck as Record<string, unknown>).path, "/ready");
    assert.equal((graph.get(T.targetGroup, "public-auth").inputs.healthCheck as Record<string, unknown>).path, "/health");
  });

  it("adds a listener rule per route with its priority and path", () => {
    const rule = graph.get(T.rule, "public-agents");
    assert.equal(rule.inputs.priority, 100);
    assert.deepEqual(rule.inputs.conditions, [{ pathPattern: { values: ["/v1/*"] } }]);
  });

  it("lets the ALB out only to the workload security groups, on the routes' ports", () => {
    const egress = graph.ofType(T.egressRule).map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort]);
    assert.deepEqual(egress.sort(), [["sg-agents", 8080, 8080], ["sg-sandbox", 8080, 8080]]);
    for (const r of graph.ofType(T.egressRule)) assert.equal(r.inputs.cidrIpv4, undefined);
  });

  it("limits auth paths harder in the WAF: 300 a minute per IP", () => {
    const rules = graph.ofType(T.waf)[0].inputs.rules as Rule[];
    const auth = rules.find((r) => r.name === "rate-limit-auth")?.statement.rateBasedStatement as Record<string, unknown>;
    assert.equal(auth.limit, 300);
    assert.deepEqual((auth.scopeDownStatement as { byteMatchStatement: Record<string, unknown> }).byteMatchStatement.searchString, "/auth/");
  });

  it("refuses two routes with the same priority before anything is registered", async () => {
    let caught: unknown;
    const { graph: empty } = await planComponent(() => {
      try {
        new LoadBalancer("public", awsArgs({ routes: { agents: { port: 8080, priority: 10 }, sandbox: { port: 8081, priority: 10 } } }));
      } catch (error) {
        caught = error;
      }
    });
    assert.match(String(caught), /route "sandbox": priority 10 is already used by route "agents"/);
    assert.equal(empty.resources.length, 0);
  });

  it("refuses a chosen target group name over 32 characters before anything is registered", async () => {
    let caught: unknown;
    const { graph: empty } = await planComponent(() => {
      try {
        new LoadBalancer("public", awsArgs({ routes: { orchestrator: { port: 8080, priority: 10, targetGroupName: "agentyard-test-agent-orchestrator-service" } } }));
      } catch (error) {
        caught = error;
      }
    });
    assert.match(String(caught), /route "orchestrator": target group name "agentyard-test-agent-orchestrator-service" is 41 characters; AWS allows at most 32/);
    assert.equal(empty.resources.length, 0);
  });

  it("refuses an ALB name over 32 characters before anything is registered", async () => {
    let caught: unknown;
    const { graph: empty } = await planComponent(() => {
      try {
        new LoadBalancer("public", awsArgs({ name: "agentyard-production-eu-west-1-blue" }));
      } catch (error) {
        caught = error;
      }
    });
    assert.match(String(caught), /ALB name "agentyard-production-eu-west-1-blue" is 35 characters; AWS allows at most 32/);
    assert.equal(empty.resources.length, 0);
  });

  it("refuses a duplicate priority in a later attach, naming both routes", async () => {
    await planComponent(() => {
      const lb = new LoadBalancer("public", awsArgs({ routes: twoRoutes }));
      assert.throws(() => lb.attach("grafana", { port: 3000, priority: 100, hosts: ["grafana.example.com"] }), /priority 100 is already used by route "agents"/);
      const grafana = lb.attach("grafana", { port: 3000, priority: 200, hosts: ["grafana.example.com"] });
      assert.ok(grafana.targetGroupArn);
    });
  });

  it("applies a transform to the ALB", async () => {
    const { graph: g } = await planComponent(() => new LoadBalancer("public", awsArgs({ transform: { loadBalancer: { enableWafFailOpen: false, idleTimeout: 120 } } })));
    assert.equal(g.ofType(T.alb)[0].inputs.idleTimeout, 120);
  });
});

describe("LoadBalancer on kubernetes", () => {
  it("renders an Ingress per route with the same limits as annotations and TLS from a secret", async () => {
    const { graph, result } = await planComponent(() =>
      new LoadBalancer("public", { platform: "kubernetes", preset: "dev", domain: "agents.local.test", tlsSecretName: "agents-tls", namespace: "agents", routes: twoRoutes }),
    );
    assert.equal(graph.awsResources().length, 0);
    const ingress = graph.get(T.ingress, "public-agents");
    const metadata = ingress.inputs.metadata as { namespace: string; annotations: Record<string, string> };
    assert.equal(metadata.namespace, "agents");
    assert.equal(metadata.annotations["nginx.ingress.kubernetes.io/limit-rpm"], "600");
    assert.equal(metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"], "300");
    assert.equal(metadata.annotations["nginx.ingress.kubernetes.io/ssl-redirect"], "true");
    const spec = ingress.inputs.spec as { ingressClassName: string; tls: unknown; rules: Array<{ host: string; http: { paths: Array<Record<string, unknown>> } }> };
    assert.equal(spec.ingressClassName, "nginx");
    assert.deepEqual(spec.tls, [{ hosts: ["agents.local.test"], secretName: "agents-tls" }]);
    assert.equal(spec.rules[0].host, "agents.local.test");
    assert.deepEqual(spec.rules[0].http.paths[0], { backend: { service: { name: "agents", port: { number: 8080 } } }, path: "/v1", pathType: "Prefix" });
    const auth = graph.get(T.ingress, "public-auth").inputs.metadata as { annotations: Record<string, string> };
    assert.equal(auth.annotations["nginx.ingress.kubernetes.io/limit-rpm"], "300");
    assert.equal(result.httpsEnabled, true);
  });

  it("converts ALB patterns to Ingress prefixes and WAF prefixes", () => {
    assert.equal(ingressPrefix("/*"), "/");
    assert.equal(ingressPrefix("/v1/*"), "/v1");
    assert.equal(ingressPrefix("/health"), "/health");
    assert.equal(patternPrefix("/auth/*"), "/auth/");
  });
});
