import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { REQUIRED_TAG_KEYS, UNTAGGABLE_TYPES } from "../infra/naming";
import { API_TOKEN_SECONDS, KUBERNETES_API_ANNOTATION, MODERN_TLS_POLICIES, type Props, SECCOMP_ROOT, SECRET_NAME, WORKLOAD_TYPES, WORLD, apiTokens, list, obj, podSpec } from "./rules";

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

  resourcePolicy(
    "kubernetes-workloads-hardened",
    `Every workload runs non-root with a read-only root, drops ALL capabilities, uses seccomp RuntimeDefault or a Localhost profile, has requests and limits, probes on every container that serves a port, and mounts no Docker socket nor hostPath, except a seccomp-profile installer's init container writing under kubelet's seccomp root. A pod holds a Kubernetes API token only when its workload says why (annotation ${KUBERNETES_API_ANNOTATION}), and a projected one lives at most an hour.`,
    (type, props, report) => {
      if (!WORKLOAD_TYPES.has(type)) return;
      const pod = podSpec(type, props);
      const podSecurity = obj(pod.securityContext);
      const batch = type.startsWith("kubernetes:batch/");
      const hostPaths = list(pod.volumes).map(obj).filter((v) => v.hostPath !== undefined);
      for (const volume of hostPaths) {
        if (!String(obj(volume.hostPath).path).startsWith(SECCOMP_ROOT)) report(`volume ${String(volume.name)} mounts a hostPath outside ${SECCOMP_ROOT}`);
      }
      // Only a pod whose every hostPath is under kubelet's seccomp root installs profiles, and only its init containers may be root.
      const installer = hostPaths.length > 0 && hostPaths.every((v) => String(obj(v.hostPath).path).startsWith(SECCOMP_ROOT));
      if (/docker\.sock|containerd\.sock/.test(JSON.stringify(pod))) report("mounts a container runtime socket");
      const why = obj(obj(props.metadata).annotations)[KUBERNETES_API_ANNOTATION];
      for (const token of apiTokens(pod)) {
        if (typeof why !== "string" || why.trim() === "") report(`holds a Kubernetes API token (${token.source}) without saying why (annotation ${KUBERNETES_API_ANNOTATION})`);
        if ((token.expirationSeconds ?? 0) > API_TOKEN_SECONDS) report(`Kubernetes API token in ${token.source} lives ${String(token.expirationSeconds)} s; at most ${API_TOKEN_SECONDS}`);
      }
      const init = list(pod.initContainers).map(obj);
      const containers = list(pod.containers).map(obj);
      if (!batch && !containers.some((c) => c.readinessProbe && c.livenessProbe)) report("no container has readiness and liveness probes");
      for (const container of [...init, ...containers]) {
        const name = String(container.name);
        const security = obj(container.securityContext);
        if (!batch && list(container.ports).length > 0 && (!container.readinessProbe || !container.livenessProbe)) report(`${name}: serves a port without readiness or liveness probe`);
        const resources = obj(container.resources);
        if (!obj(resources.limits).memory || !obj(resources.requests).cpu) report(`${name}: missing CPU request or memory limit`);
        const rootAllowed = installer && init.includes(container);
        const uid = security.runAsUser ?? podSecurity.runAsUser;
        if (!rootAllowed && ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true || uid === 0)) report(`${name}: may run as root`);
        if (security.readOnlyRootFilesystem !== true) report(`${name}: root filesystem is writable`);
        if (!list(obj(security.capabilities).drop).includes("ALL")) report(`${name}: capabilities not dropped`);
        if (list(obj(security.capabilities).add).length > 0) report(`${name}: adds capabilities`);
        if (security.allowPrivilegeEscalation !== false) report(`${name}: privilege escalation allowed`);
        if (security.privileged === true) report(`${name}: privileged`);
        const seccomp = obj(security.seccompProfile).type !== undefined ? obj(security.seccompProfile) : obj(podSecurity.seccompProfile);
        if (seccomp.type !== "RuntimeDefault" && seccomp.type !== "Localhost") report(`${name}: no seccomp profile`);
        if (seccomp.type === "Localhost" && typeof seccomp.localhostProfile !== "string") report(`${name}: seccomp Localhost without localhostProfile`);
      }
    },
  ),

  resourcePolicy(
    "sandbox-executor-isolated",
    "A sandbox pod runs code in an `executor` container apart from the `api` that holds the token: another non-root user, no Secret (volume or env), no shared process namespace, no host namespaces, size-limited scratch; and no container of it holds a Kubernetes API token, automounted or projected, whatever its workload says.",
    (type, props, report) => {
      if (!WORKLOAD_TYPES.has(type) || obj(obj(props.metadata).labels)["app.kubernetes.io/component"] !== "sandbox") return;
      const pod = podSpec(type, props);
      const podSecurity = obj(pod.securityContext);
      const containers = list(pod.containers).map(obj);
      const api = containers.find((c) => c.name === "api");
      const executor = containers.find((c) => c.name === "executor");
      if (!api || !executor) {
        report("no separate `api` and `executor` containers: executions would share the token holder's user and processes");
        return;
      }
      const uid = (c: Props) => obj(c.securityContext).runAsUser ?? podSecurity.runAsUser;
      if (uid(executor) === undefined || uid(executor) === uid(api)) report(`executor runs as the api's user (${String(uid(api))})`);
      for (const token of apiTokens(pod)) report(token.source === "automounted" ? "the service-account token is mounted" : `a Kubernetes API token is projected (${token.source})`);
      for (const flag of ["shareProcessNamespace", "hostPID", "hostIPC", "hostNetwork"]) if (pod[flag] === true) report(`${flag} is on`);
      const volumes = new Map(list(pod.volumes).map(obj).map((v) => [String(v.name), v]));
      for (const mount of list(executor.volumeMounts).map(obj)) {
        const volume = obj(volumes.get(String(mount.name)));
        if (volume.secret !== undefined || volume.projected !== undefined) report(`executor mounts ${String(mount.name)}, a Secret or projected volume`);
        if (volume.emptyDir !== undefined && !obj(volume.emptyDir).sizeLimit) report(`executor's ${String(mount.name)} has no sizeLimit`);
      }
      if (list(executor.envFrom).some((e) => obj(e).secretRef !== undefined) || list(executor.env).some((e) => obj(obj(e).valueFrom).secretKeyRef !== undefined)) report("executor takes env from a Secret");
    },
  ),

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

  resourcePolicy(
    "sandbox-task-isolated",
    "A sandbox task has no IAM role (no credentials endpoint), shares no PID namespace, and runs code in an `executor` container apart from the `api`: another user, no secrets, both essential.",
    (type, props, report) => {
      if (type !== "aws:ecs/taskDefinition:TaskDefinition" || tagsOf(props).component !== "sandbox") return;
      if (props.taskRoleArn !== undefined && props.taskRoleArn !== "") report("has a task role: every container, the executor's included, gets its credentials URI");
      if (props.pidMode === "task") report("pidMode task: executions would see the api's processes");
      let containers: Props[];
      try {
        containers = list(JSON.parse(String(props.containerDefinitions))).map(obj);
      } catch {
        return; // ecs-tasks-hardened reports it
      }
      const api = containers.find((c) => c.name === "api");
      const executor = containers.find((c) => c.name === "executor");
      if (!api || !executor) {
        report("no separate `api` and `executor` containers");
        return;
      }
      const uid = (c: Props) => String(c.user ?? "").split(":")[0];
      if (uid(executor) === uid(api)) report(`executor runs as the api's user (${uid(api)})`);
      if (list(executor.secrets).length > 0) report("executor is given secrets");
      if (api.essential !== true || executor.essential !== true) report("api and executor must both be essential");
    },
  ),

  {
    name: "sandbox-egress-through-endpoints",
    description: "Where the VPC has interface endpoints, the sandbox's security groups send HTTPS only to them and the S3 prefix list, never to the internet.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      if (!args.resources.some((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && r.props.vpcEndpointType === "Interface")) return;
      const sandboxGroups = new Set(args.resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && tagsOf(r.props).component === "sandbox").map((r) => r.props.id));
      for (const rule of args.resources.filter((r) => r.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule" && sandboxGroups.has(r.props.securityGroupId))) {
        const https = rule.props.ipProtocol === "tcp" && Number(rule.props.fromPort) <= 443 && Number(rule.props.toPort) >= 443;
        if (https && WORLD.has(String(rule.props.cidrIpv4 ?? rule.props.cidrIpv6))) report(`${rule.name}: HTTPS to ${String(rule.props.cidrIpv4 ?? rule.props.cidrIpv6)} although the VPC has endpoints`, rule.urn);
      }
    },
  },

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
