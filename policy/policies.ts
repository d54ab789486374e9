import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { REQUIRED_TAG_KEYS, UNTAGGABLE_TYPES } from "../infra/naming";
import { MODERN_TLS_POLICIES, type Props, SECRET_NAME, WORKLOAD_TYPES, WORLD, list, obj, podSpec } from "./rules";

/*
 * agentyard's security promises as policies. A plain array: the PolicyPack is built in index.ts
 * only, because constructing one starts a server. The tests run these against the mock resource
 * graph of every stack through a small adapter (test/policy-harness.ts).
 */

type ResourceCheck = (type: string, props: Props, report: ReportViolation) => void;

function resourcePolicy(name: string, description: string, check: ResourceCheck, enforcementLevel: "mandatory" | "advisory" = "mandatory"): ResourceValidationPolicy {
  return { name, description, enforcementLevel, validateResource: (args, report) => check(args.type, args.props, report) };
}

function tagsOf(props: Props): Record<string, string> {
  return obj(props.tags) as Record<string, string>;
}

const byId = (resources: PolicyResource[]) => new Map(resources.filter((r) => typeof r.props.id === "string").map((r) => [String(r.props.id), r]));

/** Subnets count as isolated when tagged so by the Network component (`tier: isolated`). */
function isolatedSubnetProblem(resources: PolicyResource[], subnetIds: unknown[]): string | undefined {
  const subnets = byId(resources);
  const found = subnetIds.map((id) => subnets.get(String(id))).filter((s): s is PolicyResource => s !== undefined);
  if (found.length === 0) return undefined; // subnets from outside the stack: not ours to judge
  const open = found.filter((s) => tagsOf(s.props).tier !== "isolated").map((s) => s.name);
  return open.length ? `subnets that are not isolated: ${open.join(", ")}` : undefined;
}

export const policies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
  resourcePolicy("no-world-open-security-groups", "No security group admits 0.0.0.0/0 or ::/0, except the load balancer on 80 and 443.", (type, props, report) => {
    const rules: Props[] =
      type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
        ? [props]
        : type === "aws:ec2/securityGroup:SecurityGroup" || type === "aws:ec2/securityGroupRule:SecurityGroupRule"
          ? (type === "aws:ec2/securityGroupRule:SecurityGroupRule" ? (props.type === "ingress" ? [props] : []) : list(props.ingress).map(obj))
          : [];
    const fromLoadBalancer = tagsOf(props).component === "load-balancer";
    for (const rule of rules) {
      const cidrs = [rule.cidrIpv4, rule.cidrIpv6, ...list(rule.cidrBlocks), ...list(rule.ipv6CidrBlocks)].filter((c): c is string => typeof c === "string");
      if (!cidrs.some((c) => WORLD.has(c))) continue;
      const webPort = rule.fromPort === rule.toPort && (rule.fromPort === 80 || rule.fromPort === 443);
      if (!(fromLoadBalancer && webPort)) report(`ingress from ${cidrs.join(", ")} on ${String(rule.fromPort)}-${String(rule.toPort)}: only the load balancer may be open to the internet, on 80 and 443`);
    }
  }),

  resourcePolicy("rds-private-encrypted-backed-up", "RDS instances are private, encrypted, and keep backups (at least 7 days in prod).", (type, props, report) => {
    if (type !== "aws:rds/instance:Instance") return;
    if (props.publiclyAccessible === true) report("publicly accessible");
    if (props.storageEncrypted !== true) report("storage not encrypted");
    if (props.replicateSourceDb !== undefined) return; // replicas are backed up through their source
    const days = Number(props.backupRetentionPeriod ?? 0);
    const minimum = tagsOf(props).environment === "prod" ? 7 : 1;
    if (days < minimum) report(`backups kept ${days} days; at least ${minimum} required`);
  }),

  resourcePolicy("elasticache-encrypted-authenticated", "ElastiCache encrypts at rest and in transit, and requires AUTH.", (type, props, report) => {
    if (type !== "aws:elasticache/replicationGroup:ReplicationGroup") return;
    if (props.atRestEncryptionEnabled !== true) report("no encryption at rest");
    if (props.transitEncryptionEnabled !== true) report("no TLS in transit");
    if (props.authToken === undefined && list(props.userGroupIds).length === 0) report("no AUTH token or user group");
  }),

  {
    name: "data-stores-in-isolated-subnets",
    description: "RDS and ElastiCache subnet groups hold isolated subnets only.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      for (const group of args.resources.filter((r) => r.type === "aws:rds/subnetGroup:SubnetGroup" || r.type === "aws:elasticache/subnetGroup:SubnetGroup")) {
        const problem = isolatedSubnetProblem(args.resources, list(group.props.subnetIds));
        if (problem) report(`${group.name}: ${problem}`, group.urn);
      }
    },
  },

  {
    name: "s3-private-encrypted-tls-only",
    description: "Every S3 bucket blocks public access, is encrypted, and denies requests without TLS.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const of = (type: string) => args.resources.filter((r) => r.type === type);
      for (const bucket of of("aws:s3/bucket:Bucket")) {
        const refersTo = (r: PolicyResource) => r.props.bucket === bucket.props.id || r.props.bucket === bucket.props.bucket;
        const block = of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").find(refersTo);
        if (!block || !["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => block.props[k] === true)) {
          report(`${bucket.name}: public access not fully blocked`, bucket.urn);
        }
        if (!of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").some(refersTo)) report(`${bucket.name}: no default encryption`, bucket.urn);
        const policy = of("aws:s3/bucketPolicy:BucketPolicy").find(refersTo);
        if (!policy || !/"aws:SecureTransport":\s*"?false"?/.test(String(policy.props.policy))) report(`${bucket.name}: requests without TLS are not denied`, bucket.urn);
      }
    },
  },

  resourcePolicy("alb-modern-tls-valid-headers", "ALBs drop invalid headers; HTTPS listeners use TLS 1.2+ policies; HTTP listeners beside HTTPS only redirect.", (type, props, report) => {
    if (type === "aws:lb/loadBalancer:LoadBalancer" && props.loadBalancerType !== "network" && props.dropInvalidHeaderFields !== true) report("invalid header fields are not dropped");
    if (type === "aws:lb/listener:Listener" && props.protocol === "HTTPS" && !MODERN_TLS_POLICIES.has(String(props.sslPolicy))) report(`TLS policy ${String(props.sslPolicy)} allows old protocols or ciphers`);
  }),

  {
    name: "alb-serves-https",
    description: "An internet-facing ALB serves HTTPS; plain HTTP only redirects. Advisory: a stack without a domain (dev) serves HTTP, and says so.",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
      const listeners = args.resources.filter((r) => r.type === "aws:lb/listener:Listener");
      for (const alb of args.resources.filter((r) => r.type === "aws:lb/loadBalancer:LoadBalancer" && r.props.internal !== true)) {
        const own = listeners.filter((l) => l.props.loadBalancerArn === alb.props.arn);
        if (!own.some((l) => l.props.protocol === "HTTPS")) report(`${alb.name}: no HTTPS listener (set loadBalancer.domain with hostedZoneId, or certificateArn)`, alb.urn);
        for (const l of own.filter((x) => x.props.protocol === "HTTP" && own.some((y) => y.props.protocol === "HTTPS"))) {
          if (!list(l.props.defaultActions).every((a) => obj(a).type === "redirect")) report(`${l.name}: HTTP beside HTTPS must only redirect`, l.urn);
        }
      }
    },
  },

  resourcePolicy("ecr-scan-immutable", "ECR repositories scan on push and have immutable tags.", (type, props, report) => {
    if (type !== "aws:ecr/repository:Repository") return;
    if (obj(props.imageScanningConfiguration).scanOnPush !== true) report("images are not scanned on push");
    if (props.imageTagMutability !== "IMMUTABLE") report("tags are mutable");
  }),

  resourcePolicy("eks-secrets-encrypted-endpoint-restricted", "EKS encrypts Secrets with KMS and keeps its public endpoint closed or restricted.", (type, props, report) => {
    if (type !== "aws:eks/cluster:Cluster") return;
    const encrypted = obj(props.encryptionConfig);
    if (!list(encrypted.resources).includes("secrets") || !obj(encrypted.provider).keyArn) report("Secrets are not envelope-encrypted with a KMS key");
    const vpc = obj(props.vpcConfig);
    if (vpc.endpointPublicAccess !== false) {
      const cidrs = list(vpc.publicAccessCidrs);
      if (cidrs.length === 0 || cidrs.some((c) => WORLD.has(String(c)))) report("the public API endpoint is open to the internet");
    }
  }),

  resourcePolicy("kubernetes-workloads-hardened", "Every workload has probes, requests and limits, runs non-root with a read-only root, drops ALL capabilities, uses seccomp RuntimeDefault, and mounts no hostPath or Docker socket.", (type, props, report) => {
    if (!WORKLOAD_TYPES.has(type)) return;
    const pod = podSpec(type, props);
    const podSecurity = obj(pod.securityContext);
    const batch = type.startsWith("kubernetes:batch/");
    for (const volume of list(pod.volumes).map(obj)) {
      if (volume.hostPath !== undefined) report(`volume ${String(volume.name)} mounts a hostPath`);
    }
    if (/docker\.sock|containerd\.sock/.test(JSON.stringify(pod))) report("mounts a container runtime socket");
    for (const container of [...list(pod.initContainers), ...list(pod.containers)].map(obj)) {
      const name = String(container.name);
      const security = obj(container.securityContext);
      if (!batch && (!container.readinessProbe || !container.livenessProbe)) report(`${name}: missing readiness or liveness probe`);
      const resources = obj(container.resources);
      if (!obj(resources.limits).memory || !obj(resources.requests).cpu) report(`${name}: missing CPU request or memory limit`);
      if (security.runAsNonRoot !== true && podSecurity.runAsNonRoot !== true) report(`${name}: may run as root`);
      if (security.readOnlyRootFilesystem !== true) report(`${name}: root filesystem is writable`);
      if (!list(obj(security.capabilities).drop).includes("ALL")) report(`${name}: capabilities not dropped`);
      if (security.allowPrivilegeEscalation !== false) report(`${name}: privilege escalation allowed`);
      if (security.privileged === true) report(`${name}: privileged`);
      const seccomp = obj(security.seccompProfile).type ?? obj(podSecurity.seccompProfile).type;
      if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") report(`${name}: no seccomp profile`);
    }
  }),

  {
    name: "sandbox-namespace-default-deny",
    description: "A namespace that runs the sandbox has a default-deny NetworkPolicy for ingress and egress.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const sandboxes = args.resources.filter((r) => WORKLOAD_TYPES.has(r.type) && obj(obj(r.props.metadata).labels)["app.kubernetes.io/component"] === "sandbox");
      const policies = args.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
      for (const workload of sandboxes) {
        const namespace = obj(workload.props.metadata).namespace;
        const denies = policies.some((p) => {
          const spec = obj(p.props.spec);
          const types = list(spec.policyTypes);
          return obj(p.props.metadata).namespace === namespace && Object.keys(obj(obj(spec.podSelector).matchLabels)).length === 0 && types.includes("Ingress") && types.includes("Egress");
        });
        if (!denies) report(`${workload.name}: namespace ${String(namespace)} has no default-deny NetworkPolicy`, workload.urn);
      }
    },
  },

  resourcePolicy("ecs-tasks-hardened", "ECS containers run non-root on a read-only root, with secrets from Secrets Manager, not plain environment.", (type, props, report) => {
    if (type !== "aws:ecs/taskDefinition:TaskDefinition") return;
    let containers: Props[];
    try {
      containers = list(JSON.parse(String(props.containerDefinitions))).map(obj);
    } catch {
      report("containerDefinitions is not JSON");
      return;
    }
    for (const c of containers) {
      const name = String(c.name);
      const user = String(c.user ?? "");
      if (user === "" || /^(0|root)(:|$)/.test(user)) report(`${name}: runs as root`);
      if (c.readonlyRootFilesystem !== true) report(`${name}: root filesystem is writable`);
      for (const env of list(c.environment).map(obj)) if (SECRET_NAME.test(String(env.name))) report(`${name}: ${String(env.name)} is plain environment; use secrets`);
    }
  }),

  resourcePolicy("log-groups-have-retention", "Every CloudWatch log group has a retention period.", (type, props, report) => {
    if (type === "aws:cloudwatch/logGroup:LogGroup" && !(Number(props.retentionInDays) > 0)) report("kept for ever: set retentionInDays");
  }),

  resourcePolicy("aws-resources-tagged", `Every taggable AWS resource carries ${REQUIRED_TAG_KEYS.join(", ")}.`, (type, props, report) => {
    if (!type.startsWith("aws:") || UNTAGGABLE_TYPES.has(type) || type.startsWith("pulumi:")) return;
    const tags = tagsOf(props);
    const missing = REQUIRED_TAG_KEYS.filter((k) => !tags[k]);
    if (missing.length) report(`missing tags: ${missing.join(", ")}`);
  }),
];
