import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as ecr from "@pulumi/aws/ecr";
import * as ecs from "@pulumi/aws/ecs";
import * as eks from "@pulumi/aws/eks";
import * as elasticache from "@pulumi/aws/elasticache";
import * as kms from "@pulumi/aws/kms";
import * as lb from "@pulumi/aws/lb";
import * as rds from "@pulumi/aws/rds";
import * as s3 from "@pulumi/aws/s3";
import * as vpc from "@pulumi/aws/vpc";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as networking from "@pulumi/kubernetes/networking/v1";
import { listStacks } from "../cli/plan/stack-file";
import { standardTags } from "../infra/naming";
import { policies } from "../policy/policies";
import { planComponent, planStack } from "./harness";
import { type Violation, mandatory, runPolicies } from "./policy-harness";

async function violationsOf(create: () => void, stack = "test"): Promise<Violation[]> {
  const { graph } = await planComponent(create, { stack });
  return runPolicies(graph.resources);
}

function messages(violations: Violation[], policy: string): string[] {
  return violations.filter((v) => v.policy === policy).map((v) => v.message);
}

const tags = () => standardTags("test");

describe("the policy pack on every shipped stack", () => {
  for (const stack of listStacks()) {
    it(`${stack}: no mandatory violation`, async () => {
      const violations = await runPolicies((await planStack(stack)).resources);
      assert.deepEqual(mandatory(violations), []);
    });
  }

  it("says, as advisory, that a stack without a domain serves plain HTTP", async () => {
    const violations = await runPolicies((await planStack("dev")).resources);
    assert.deepEqual(violations.map((v) => [v.policy, v.level]), [["alb-serves-https", "advisory"]]);
  });
});

describe("each policy sees the violation it exists for", () => {
  it("no-world-open-security-groups: SSH from the internet", async () => {
    const v = await violationsOf(() => {
      new vpc.SecurityGroupIngressRule("ssh", { securityGroupId: "sg-1", cidrIpv4: "0.0.0.0/0", fromPort: 22, toPort: 22, ipProtocol: "tcp", tags: tags() });
      new ec2.SecurityGroup("inline", { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, ipv6CidrBlocks: ["::/0"] }], tags: tags() });
    });
    assert.equal(messages(v, "no-world-open-security-groups").length, 2, "443 is the load balancer's alone");
  });

  it("rds-private-encrypted-backed-up: public, unencrypted, 3 days of backups in prod", async () => {
    const v = await violationsOf(() => {
      new rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, publiclyAccessible: true, storageEncrypted: false, backupRetentionPeriod: 3, tags: { ...tags(), environment: "prod" } });
    });
    assert.deepEqual(messages(v, "rds-private-encrypted-backed-up"), ["publicly accessible", "storage not encrypted", "backups kept 3 days; at least 7 required"]);
  });

  it("elasticache-encrypted-authenticated: no TLS, no encryption at rest, no AUTH", async () => {
    const v = await violationsOf(() => {
      new elasticache.ReplicationGroup("cache", { description: "x", nodeType: "cache.t4g.micro", tags: tags() });
    });
    assert.equal(messages(v, "elasticache-encrypted-authenticated").length, 3);
  });

  it("data-stores-in-isolated-subnets: a subnet group over public subnets", async () => {
    const v = await violationsOf(() => {
      const subnets = ["a", "b"].map((az) => new ec2.Subnet(`public-${az}`, { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24", tags: { ...tags(), tier: "public" } }));
      new rds.SubnetGroup("db-subnets", { subnetIds: subnets.map((s) => s.id), tags: tags() });
    });
    assert.match(messages(v, "data-stores-in-isolated-subnets")[0], /not isolated: public-a, public-b/);
  });

  it("s3-private-encrypted-tls-only: a bare bucket", async () => {
    const v = await violationsOf(() => {
      new s3.Bucket("bare", { tags: tags() });
    });
    assert.equal(messages(v, "s3-private-encrypted-tls-only").length, 3);
  });

  it("alb-modern-tls-valid-headers and alb-serves-https: old TLS, invalid headers kept, HTTP forwarding beside HTTPS", async () => {
    const v = await violationsOf(() => {
      const alb = new lb.LoadBalancer("alb", { loadBalancerType: "application", dropInvalidHeaderFields: false, tags: tags() });
      new lb.Listener("https", { loadBalancerArn: alb.arn, port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } }], tags: tags() });
      new lb.Listener("http", { loadBalancerArn: alb.arn, port: 80, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1" }], tags: tags() });
    });
    assert.deepEqual(messages(v, "alb-modern-tls-valid-headers").sort(), ["TLS policy ELBSecurityPolicy-2016-08 allows old protocols or ciphers", "invalid header fields are not dropped"]);
    assert.deepEqual(messages(v, "alb-serves-https"), ["http: HTTP beside HTTPS must only redirect"]);
  });

  it("ecr-scan-immutable: mutable tags, no scan", async () => {
    const v = await violationsOf(() => {
      new ecr.Repository("repo", { imageTagMutability: "MUTABLE", tags: tags() });
    });
    assert.deepEqual(messages(v, "ecr-scan-immutable"), ["images are not scanned on push", "tags are mutable"]);
  });

  it("eks-secrets-encrypted-endpoint-restricted: no envelope encryption, endpoint open to all", async () => {
    const v = await violationsOf(() => {
      new eks.Cluster("cluster", { roleArn: "arn:aws:iam::123456789012:role/eks", vpcConfig: { subnetIds: ["subnet-1"], endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }, tags: tags() });
    });
    assert.equal(messages(v, "eks-secrets-encrypted-endpoint-restricted").length, 2);
  });

  it("kubernetes-workloads-hardened: no probes, no limits, root, writable root, the Docker socket", async () => {
    const v = await violationsOf(() => {
      new apps.Deployment("naive", {
        spec: {
          selector: { matchLabels: { app: "naive" } },
          template: {
            metadata: { labels: { app: "naive" } },
            spec: { containers: [{ name: "app", image: "app:1" }], volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] },
          },
        },
      });
    });
    const found = messages(v, "kubernetes-workloads-hardened");
    for (const expected of [/hostPath/, /runtime socket/, /probe/, /memory limit/, /may run as root/, /writable/, /capabilities/, /seccomp/]) assert.ok(found.some((m) => expected.test(m)), `${expected}: ${found.join("; ")}`);
  });

  it("kubernetes-workloads-hardened: a hostPath only under kubelet's seccomp root, and root only in that installer's init container", async () => {
    const hardened = { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
    const resources = { requests: { cpu: "10m" }, limits: { memory: "16Mi" } };
    const probe = { exec: { command: ["true"] } };
    const installer = (path: string, mainUser: number) =>
      new apps.DaemonSet(`installer-${mainUser}-${path.length}`, {
        spec: {
          selector: { matchLabels: { app: "i" } },
          template: {
            metadata: { labels: { app: "i" } },
            spec: {
              automountServiceAccountToken: false,
              initContainers: [{ name: "install", image: "i:1", resources, securityContext: { ...hardened, runAsNonRoot: false, runAsUser: 0 } }],
              containers: [{ name: "present", image: "i:1", resources, readinessProbe: probe, livenessProbe: probe, securityContext: { ...hardened, runAsUser: mainUser } }],
              volumes: [{ name: "host", hostPath: { path } }],
            },
          },
        },
      });
    assert.deepEqual(messages(await violationsOf(() => installer("/var/lib/kubelet/seccomp/agentyard", 65534)), "kubernetes-workloads-hardened"), []);
    assert.deepEqual(messages(await violationsOf(() => installer("/etc", 65534)), "kubernetes-workloads-hardened"), ["volume host mounts a hostPath outside /var/lib/kubelet/seccomp/", "install: may run as root"]);
    assert.deepEqual(messages(await violationsOf(() => installer("/var/lib/kubelet/seccomp/agentyard", 0)), "kubernetes-workloads-hardened"), ["present: may run as root"]);
  });

  it("kubernetes-workloads-hardened: a port without probes, a Localhost profile without its file", async () => {
    const v = await violationsOf(() => {
      new apps.Deployment("two", {
        spec: {
          selector: { matchLabels: { app: "t" } },
          template: {
            metadata: { labels: { app: "t" } },
            spec: {
              automountServiceAccountToken: false,
              securityContext: { runAsNonRoot: true, runAsUser: 1000 },
              containers: ["a", "b"].map((name) => ({
                name,
                image: "t:1",
                ports: name === "a" ? [{ containerPort: 80 }] : undefined,
                resources: { requests: { cpu: "10m" }, limits: { memory: "16Mi" } },
                securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "Localhost" } },
              })),
            },
          },
        },
      });
    });
    assert.deepEqual(messages(v, "kubernetes-workloads-hardened"), [
      "no container has readiness and liveness probes",
      "a: serves a port without readiness or liveness probe",
      "a: seccomp Localhost without localhostProfile",
      "b: seccomp Localhost without localhostProfile",
    ]);
  });

  it("kubernetes-workloads-hardened: a Kubernetes API token only where the workload says why, projected for an hour at most", async () => {
    const hardened = { runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
    const probe = { exec: { command: ["true"] } };
    const projected = (seconds?: number) => ({ name: "api", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: seconds } }] } });
    const workload = (name: string, pod: Record<string, unknown>, annotations?: Record<string, string>) =>
      new apps.Deployment(name, {
        metadata: { annotations },
        spec: {
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: "app", image: "a:1", readinessProbe: probe, livenessProbe: probe, resources: { requests: { cpu: "10m" }, limits: { memory: "16Mi" } }, securityContext: hardened }], ...pod },
          },
        },
      });
    const found = async (create: () => void) => messages(await violationsOf(create), "kubernetes-workloads-hardened");
    assert.deepEqual(await found(() => workload("no-token", { automountServiceAccountToken: false })), []);
    assert.deepEqual(await found(() => workload("unset", {})), ["holds a Kubernetes API token (automounted) without saying why (annotation agentyard.dev/kubernetes-api)"], "automounting is the default");
    assert.deepEqual(await found(() => workload("silent", { automountServiceAccountToken: false, volumes: [projected(3600)] })), ["holds a Kubernetes API token (volume api) without saying why (annotation agentyard.dev/kubernetes-api)"]);
    assert.deepEqual(await found(() => workload("blank", { automountServiceAccountToken: false, volumes: [projected(3600)] }, { "agentyard.dev/kubernetes-api": " " })), ["holds a Kubernetes API token (volume api) without saying why (annotation agentyard.dev/kubernetes-api)"]);
    assert.deepEqual(await found(() => workload("said", { automountServiceAccountToken: false, volumes: [projected(3600)] }, { "agentyard.dev/kubernetes-api": "claims sandboxes" })), []);
    assert.deepEqual(await found(() => workload("default-life", { automountServiceAccountToken: false, volumes: [projected()] }, { "agentyard.dev/kubernetes-api": "claims sandboxes" })), [], "unset is the API's hour");
    assert.deepEqual(await found(() => workload("day-long", { automountServiceAccountToken: false, volumes: [projected(86400)] }, { "agentyard.dev/kubernetes-api": "claims sandboxes" })), ["Kubernetes API token in volume api lives 86400 s; at most 3600"]);
    assert.deepEqual(await found(() => workload("controller", { automountServiceAccountToken: true }, { "agentyard.dev/kubernetes-api": "reconciles things" })), []);
  });

  it("sandbox-executor-isolated: one container, then an executor with the api's user, the token and unsized scratch", async () => {
    const sandbox = (name: string, spec: Record<string, unknown>) =>
      new apps.Deployment(name, {
        metadata: { namespace: "sandbox", labels: { "app.kubernetes.io/component": "sandbox" } },
        spec: { selector: { matchLabels: { app: "s" } }, template: { metadata: { labels: { app: "s" } }, spec: spec as never } },
      });
    const single = await violationsOf(() => sandbox("single", { containers: [{ name: "sandbox", image: "s:1" }] }));
    assert.deepEqual(messages(single, "sandbox-executor-isolated"), ["no separate `api` and `executor` containers: executions would share the token holder's user and processes"]);
    const leaky = await violationsOf(() =>
      sandbox("leaky", {
        shareProcessNamespace: true,
        securityContext: { runAsUser: 10001 },
        containers: [
          { name: "api", image: "s:1" },
          { name: "executor", image: "s:1", envFrom: [{ secretRef: { name: "sandbox-secrets" } }], volumeMounts: [{ name: "auth", mountPath: "/t" }, { name: "scratch", mountPath: "/sandbox" }] },
        ],
        volumes: [
          { name: "auth", secret: { secretName: "sandbox-auth" } },
          { name: "scratch", emptyDir: {} },
        ],
      }),
    );
    assert.deepEqual(messages(leaky, "sandbox-executor-isolated"), [
      "executor runs as the api's user (10001)",
      "the service-account token is mounted",
      "shareProcessNamespace is on",
      "executor mounts auth, a Secret or projected volume",
      "executor's scratch has no sizeLimit",
      "executor takes env from a Secret",
    ]);
  });

  it("sandbox-namespace-default-deny: a sandbox without a default-deny policy, then with one", async () => {
    const sandbox = () =>
      new apps.Deployment("sandbox", {
        metadata: { namespace: "sandbox", labels: { "app.kubernetes.io/component": "sandbox" } },
        spec: { selector: { matchLabels: { app: "s" } }, template: { metadata: { labels: { app: "s" } }, spec: { containers: [{ name: "s", image: "s:1" }] } } },
      });
    assert.equal(messages(await violationsOf(sandbox), "sandbox-namespace-default-deny").length, 1);
    const fenced = await violationsOf(() => {
      sandbox();
      new networking.NetworkPolicy("deny", { metadata: { namespace: "sandbox" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
    });
    assert.deepEqual(messages(fenced, "sandbox-namespace-default-deny"), []);
  });

  it("ecs-tasks-hardened: root, writable root, a password in plain environment", async () => {
    const v = await violationsOf(() => {
      new ecs.TaskDefinition("task", {
        family: "task",
        containerDefinitions: JSON.stringify([{ name: "app", image: "app:1", environment: [{ name: "DB_PASSWORD", value: "hunter2" }] }]),
        tags: tags(),
      });
    });
    assert.deepEqual(messages(v, "ecs-tasks-hardened"), ["app: runs as root", "app: root filesystem is writable", "app: DB_PASSWORD is plain environment; use secrets"]);
  });

  it("sandbox-task-isolated: a task role, a shared PID namespace, the token given to the executor", async () => {
    const container = (name: string, user: string, extra: Record<string, unknown> = {}) => ({ name, image: "s:1", user, essential: true, readonlyRootFilesystem: true, ...extra });
    const task = (name: string, containers: unknown[], extra: Record<string, unknown> = {}) =>
      new ecs.TaskDefinition(name, { family: name, containerDefinitions: JSON.stringify(containers), tags: standardTags("sandbox"), ...extra });
    assert.deepEqual(messages(await violationsOf(() => task("single", [container("sandbox", "10001:10001")])), "sandbox-task-isolated"), ["no separate `api` and `executor` containers"]);
    const leaky = await violationsOf(() =>
      task("leaky", [container("api", "10001:10003"), container("executor", "10001:10003", { essential: false, secrets: [{ name: "SANDBOX_AUTH_TOKEN", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:t" }] })], {
        taskRoleArn: "arn:aws:iam::123456789012:role/sandbox-task",
        pidMode: "task",
      }),
    );
    assert.deepEqual(messages(leaky, "sandbox-task-isolated"), [
      "has a task role: every container, the executor's included, gets its credentials URI",
      "pidMode task: executions would see the api's processes",
      "executor runs as the api's user (10001)",
      "executor is given secrets",
      "api and executor must both be essential",
    ]);
  });

  it("sandbox-egress-through-endpoints: HTTPS to the internet from the sandbox although the VPC has endpoints", async () => {
    const egress = (withEndpoint: boolean) => () => {
      const sg = new ec2.SecurityGroup("sandbox-sg", { vpcId: "vpc-1", tags: standardTags("sandbox") });
      new vpc.SecurityGroupEgressRule("sandbox-https", { securityGroupId: sg.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, tags: standardTags("sandbox") });
      if (withEndpoint) new ec2.VpcEndpoint("ecr", { vpcId: "vpc-1", serviceName: "com.amazonaws.us-east-1.ecr.dkr", vpcEndpointType: "Interface", tags: tags() });
    };
    assert.deepEqual(messages(await violationsOf(egress(true)), "sandbox-egress-through-endpoints"), ["sandbox-https: HTTPS to 0.0.0.0/0 although the VPC has endpoints"]);
    assert.deepEqual(messages(await violationsOf(egress(false)), "sandbox-egress-through-endpoints"), [], "without endpoints the pulls go through NAT");
  });

  it("log-groups-have-retention: a log group kept for ever", async () => {
    const v = await violationsOf(() => {
      new cloudwatch.LogGroup("forever", { tags: tags() });
    });
    assert.deepEqual(messages(v, "log-groups-have-retention"), ["kept for ever: set retentionInDays"]);
  });

  it("aws-resources-tagged: an untagged key", async () => {
    const v = await violationsOf(() => {
      new kms.Key("untagged", {});
    });
    assert.deepEqual(messages(v, "aws-resources-tagged"), ["missing tags: project, environment, component, managed-by"]);
  });

  it("covers every policy in the pack with one of the tests above", () => {
    assert.equal(policies.length, 17);
  });
});
