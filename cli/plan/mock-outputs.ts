import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/*
 * Realistic outputs per resource type. A mock that leaves an output out makes it undefined, and
 * every input built from it (a subnet's vpcId, a policy's ARN) silently disappears from the
 * graph: so each type we create returns what AWS or Kubernetes would.
 */

export const MOCK_ACCOUNT_ID = "123456789012";

export interface MockContext {
  readonly region: string;
}

type Inputs = Record<string, unknown>;
type OutputsFor = (name: string, inputs: Inputs, ctx: MockContext, id: string) => Inputs;

export function stableHex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

const ID_PREFIXES: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/natGateway:NatGateway": "nat",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/routeTable:RouteTable": "rtb",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
  "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
  "aws:ec2/flowLog:FlowLog": "fl",
  "aws:ec2/launchTemplate:LaunchTemplate": "lt",
  "aws:ec2/instance:Instance": "i",
  "aws:efs/fileSystem:FileSystem": "fs",
  "aws:efs/accessPoint:AccessPoint": "fsap",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
};

/** A deterministic id of the shape AWS gives the type (`vpc-0a1b...`), or the physical name. */
export function mockId(type: string, name: string, inputs: Inputs): string {
  const prefix = ID_PREFIXES[type];
  if (prefix) return `${prefix}-0${stableHex(`${type}/${name}`, 16)}`;
  for (const key of ["name", "bucket", "functionName", "clusterName", "identifier", "replicationGroupId"]) {
    if (typeof inputs[key] === "string") return inputs[key] as string;
  }
  return `${name}-${stableHex(`${type}/${name}`, 7)}`;
}

/** The physical name AWS would hold: the explicit one, the prefix plus a unique suffix, or Pulumi's auto-name of logical name plus suffix. */
function physical(name: string, inputs: Inputs, key = "name"): string {
  const given = inputs[key];
  if (typeof given === "string") return given;
  if (key === "name" && typeof inputs.namePrefix === "string") return `${inputs.namePrefix}${stableHex(name, 26)}`;
  return `${name}-${stableHex(name, 7)}`;
}

function arn(ctx: MockContext, service: string, resource: string, global = false): string {
  return `arn:aws:${service}:${global ? "" : ctx.region}:${MOCK_ACCOUNT_ID}:${resource}`;
}

const BY_TYPE: Record<string, OutputsFor> = {
  "aws:ec2/vpc:Vpc": (name, _i, ctx, id) => ({
    arn: arn(ctx, "ec2", `vpc/${id}`),
    defaultSecurityGroupId: `sg-0${stableHex(`${name}/default-sg`, 16)}`,
    mainRouteTableId: `rtb-0${stableHex(`${name}/main-rt`, 16)}`,
    defaultNetworkAclId: `acl-0${stableHex(`${name}/acl`, 16)}`,
    ownerId: MOCK_ACCOUNT_ID,
  }),
  "aws:ec2/subnet:Subnet": (_n, _i, ctx, id) => ({ arn: arn(ctx, "ec2", `subnet/${id}`), ownerId: MOCK_ACCOUNT_ID }),
  "aws:ec2/securityGroup:SecurityGroup": (name, inputs, ctx, id) => ({
    arn: arn(ctx, "ec2", `security-group/${id}`),
    name: physical(name, inputs),
    ownerId: MOCK_ACCOUNT_ID,
  }),
  "aws:ec2/eip:Eip": (name) => ({ publicIp: `198.51.100.${parseInt(stableHex(name, 2), 16) % 250}`, allocationId: `eipalloc-0${stableHex(name, 16)}` }),
  "aws:ec2/natGateway:NatGateway": (name) => ({ publicIp: `198.51.100.${parseInt(stableHex(name, 2), 16) % 250}`, privateIp: "10.0.192.10" }),
  "aws:ec2/vpcEndpoint:VpcEndpoint": (_n, _i, ctx, id) => ({ arn: arn(ctx, "ec2", `vpc-endpoint/${id}`), prefixListId: "pl-63a5400a" }),
  "aws:ec2/flowLog:FlowLog": (_n, _i, ctx, id) => ({ arn: arn(ctx, "ec2", `vpc-flow-log/${id}`) }),
  "aws:cloudwatch/logGroup:LogGroup": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    return { name: n, arn: arn(ctx, "logs", `log-group:${n}`) };
  },
  "aws:iam/role:Role": (name, inputs) => {
    const n = physical(name, inputs);
    return { name: n, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${n}`, uniqueId: `AROA${stableHex(n, 16).toUpperCase()}` };
  },
  "aws:iam/policy:Policy": (name, inputs) => {
    const n = physical(name, inputs);
    return { name: n, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${n}`, policyId: `ANPA${stableHex(n, 16).toUpperCase()}` };
  },
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (name) => ({
    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/${stableHex(name, 32).toUpperCase()}`,
  }),
  "aws:iam/instanceProfile:InstanceProfile": (name, inputs) => {
    const n = physical(name, inputs);
    return { name: n, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:instance-profile/${n}` };
  },
  "aws:kms/key:Key": (name, _i, ctx) => {
    const keyId = `${stableHex(name, 8)}-${stableHex(name + "1", 4)}-${stableHex(name + "2", 4)}-${stableHex(name + "3", 4)}-${stableHex(name + "4", 12)}`;
    return { keyId, arn: arn(ctx, "kms", `key/${keyId}`) };
  },
  "aws:kms/alias:Alias": (name, inputs, ctx) => ({ arn: arn(ctx, "kms", physical(name, inputs)), targetKeyArn: inputs.targetKeyId }),
  "aws:secretsmanager/secret:Secret": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    return { name: n, arn: arn(ctx, "secretsmanager", `secret:${n}-${stableHex(n, 6)}`) };
  },
  // `arn` is the secret's ARN (the provider's SecretVersion.arn): the one the Secret above was given.
  "aws:secretsmanager/secretVersion:SecretVersion": (name, inputs, ctx) => {
    const secret = String(inputs.secretId);
    return { versionId: stableHex(name, 32), arn: secret.startsWith("arn:") ? secret : arn(ctx, "secretsmanager", `secret:${secret}-${stableHex(secret, 6)}`) };
  },
  "aws:s3/bucket:Bucket": (name, inputs, ctx) => {
    const n = physical(name, inputs, "bucket");
    return { bucket: n, arn: `arn:aws:s3:::${n}`, bucketDomainName: `${n}.s3.amazonaws.com`, bucketRegionalDomainName: `${n}.s3.${ctx.region}.amazonaws.com`, region: ctx.region };
  },
  "aws:lb/loadBalancer:LoadBalancer": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    const suffix = `app/${n}/${stableHex(n, 16)}`;
    return { name: n, arn: arn(ctx, "elasticloadbalancing", `loadbalancer/${suffix}`), arnSuffix: suffix, dnsName: `${n}-${parseInt(stableHex(n, 8), 16)}.${ctx.region}.elb.amazonaws.com`, zoneId: "Z35SXDOTRQ7X7K" };
  },
  "aws:lb/targetGroup:TargetGroup": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    const suffix = `targetgroup/${n}/${stableHex(n, 16)}`;
    return { name: n, arn: arn(ctx, "elasticloadbalancing", suffix), arnSuffix: suffix };
  },
  "aws:lb/listener:Listener": (name, _i, ctx) => ({ arn: arn(ctx, "elasticloadbalancing", `listener/app/${stableHex(name, 16)}`) }),
  "aws:lb/listenerRule:ListenerRule": (name, _i, ctx) => ({ arn: arn(ctx, "elasticloadbalancing", `listener-rule/app/${stableHex(name, 16)}`) }),
  "aws:acm/certificate:Certificate": (name, inputs, ctx) => ({
    arn: arn(ctx, "acm", `certificate/${stableHex(name, 36)}`),
    domainValidationOptions: [
      {
        domainName: inputs.domainName,
        resourceRecordName: `_${stableHex(name, 32)}.${String(inputs.domainName)}.`,
        resourceRecordType: "CNAME",
        resourceRecordValue: `_${stableHex(name + "v", 32)}.acm-validations.aws.`,
      },
    ],
  }),
  "aws:wafv2/webAcl:WebAcl": (name, inputs, ctx) => ({ arn: arn(ctx, "wafv2", `regional/webacl/${physical(name, inputs)}/${stableHex(name, 36)}`), capacity: 700 }),
  "aws:rds/parameterGroup:ParameterGroup": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    return { name: n, arn: arn(ctx, "rds", `pg:${n}`) };
  },
  "aws:elasticache/parameterGroup:ParameterGroup": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    return { name: n, arn: arn(ctx, "elasticache", `parametergroup:${n}`) };
  },
  "aws:rds/instance:Instance": (name, inputs, ctx) => {
    const identifier = physical(name, inputs, "identifier");
    const address = `${identifier}.c${stableHex(name, 11)}.${ctx.region}.rds.amazonaws.com`;
    return {
      identifier,
      arn: arn(ctx, "rds", `db:${identifier}`),
      address,
      endpoint: `${address}:5432`,
      port: 5432,
      resourceId: `db-${stableHex(name, 26).toUpperCase()}`,
      masterUserSecrets: inputs.manageMasterUserPassword
        ? [{ secretArn: arn(ctx, "secretsmanager", `secret:rds!db-${stableHex(name, 36)}-${stableHex(name, 6)}`), secretStatus: "active", kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "" }]
        : [],
    };
  },
  // RDS Proxy: its ARN ends in the proxy's resource id (prx-...), which IAM names in rds-db:connect ARNs.
  "aws:rds/proxy:Proxy": (name, inputs, ctx) => {
    const proxyName = physical(name, inputs);
    return { name: proxyName, arn: arn(ctx, "rds", `db-proxy:prx-${stableHex(name, 17)}`), endpoint: `${proxyName}.proxy-c${stableHex(name, 11)}.${ctx.region}.rds.amazonaws.com` };
  },
  "aws:elasticache/replicationGroup:ReplicationGroup": (name, inputs, ctx) => {
    const id = physical(name, inputs, "replicationGroupId");
    return {
      replicationGroupId: id,
      arn: arn(ctx, "elasticache", `replicationgroup:${id}`),
      primaryEndpointAddress: `master.${id}.${stableHex(name, 6)}.use1.cache.amazonaws.com`,
      readerEndpointAddress: `replica.${id}.${stableHex(name, 6)}.use1.cache.amazonaws.com`,
      port: 6379,
    };
  },
  "aws:ecr/repository:Repository": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    return { name: n, arn: arn(ctx, "ecr", `repository/${n}`), repositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${ctx.region}.amazonaws.com/${n}`, registryId: MOCK_ACCOUNT_ID };
  },
  "aws:eks/cluster:Cluster": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    const oidc = `https://oidc.eks.${ctx.region}.amazonaws.com/id/${stableHex(n, 32).toUpperCase()}`;
    return {
      name: n,
      arn: arn(ctx, "eks", `cluster/${n}`),
      endpoint: `https://${stableHex(n, 32).toUpperCase()}.gr7.${ctx.region}.eks.amazonaws.com`,
      certificateAuthority: { data: Buffer.from(`mock-ca-${n}`).toString("base64") },
      identities: [{ oidcs: [{ issuer: oidc }] }],
      vpcConfig: { ...(inputs.vpcConfig as Inputs), clusterSecurityGroupId: `sg-0${stableHex(`${n}/cluster-sg`, 16)}` },
      version: inputs.version,
      status: "ACTIVE",
    };
  },
  "aws:eks/nodeGroup:NodeGroup": (name, inputs, ctx) => ({ arn: arn(ctx, "eks", `nodegroup/${physical(name, inputs, "nodeGroupName")}`), status: "ACTIVE" }),
  "aws:ecs/cluster:Cluster": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    return { name: n, arn: arn(ctx, "ecs", `cluster/${n}`) };
  },
  "aws:ecs/taskDefinition:TaskDefinition": (name, inputs, ctx) => {
    const family = physical(name, inputs, "family");
    return { arn: arn(ctx, "ecs", `task-definition/${family}:1`), arnWithoutRevision: arn(ctx, "ecs", `task-definition/${family}`), revision: 1 };
  },
  "aws:ecs/service:Service": (name, inputs, ctx) => ({ name: physical(name, inputs), arn: arn(ctx, "ecs", `service/${physical(name, inputs)}`) }),
  "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": (name, inputs, ctx) => ({
    arn: arn(ctx, "servicediscovery", `namespace/ns-${stableHex(name, 16)}`),
    hostedZone: `Z${stableHex(name, 20).toUpperCase()}`,
    name: physical(name, inputs),
  }),
  "aws:servicediscovery/service:Service": (name, _i, ctx) => ({ arn: arn(ctx, "servicediscovery", `service/srv-${stableHex(name, 16)}`) }),
  "aws:lambda/function:Function": (name, inputs, ctx) => {
    const n = physical(name, inputs);
    const fnArn = arn(ctx, "lambda", `function:${n}`);
    return { name: n, arn: fnArn, qualifiedArn: `${fnArn}:1`, invokeArn: `arn:aws:apigateway:${ctx.region}:lambda:path/2015-03-31/functions/${fnArn}/invocations`, version: "1" };
  },
  "aws:lambda/invocation:Invocation": () => ({ result: JSON.stringify({ ok: true }) }),
  "aws:sns/topic:Topic": (name, inputs, ctx) => ({ name: physical(name, inputs), arn: arn(ctx, "sns", physical(name, inputs)) }),
  "aws:efs/fileSystem:FileSystem": (_n, _i, ctx, id) => ({ arn: arn(ctx, "elasticfilesystem", `file-system/${id}`), dnsName: `${id}.efs.${ctx.region}.amazonaws.com` }),
  "aws:route53/record:Record": (name, inputs) => ({ fqdn: typeof inputs.name === "string" ? inputs.name : name }),
  "random:index/randomPassword:RandomPassword": (name) => ({ result: `mock-password-${stableHex(name, 24)}`, bcryptHash: `$2a$10$${stableHex(name, 53)}` }),
  "random:index/randomId:RandomId": (name) => ({ hex: stableHex(name, 16), b64Url: stableHex(name, 11), dec: String(parseInt(stableHex(name, 8), 16)) }),
  "aws:ec2/instance:Instance": (name, _i, ctx, id) => ({
    arn: arn(ctx, "ec2", `instance/${id}`),
    primaryNetworkInterfaceId: `eni-${stableHex(name, 17)}`,
    privateIp: `10.0.${parseInt(stableHex(name, 2), 16) % 250}.${(parseInt(stableHex(`${name}-ip`, 2), 16) % 250) + 4}`,
    instanceState: "running",
  }),
  "aws:amp/workspace:Workspace": (name, _i, ctx) => {
    const ws = `ws-${stableHex(name, 8)}-${stableHex(`${name}-b`, 4)}-${stableHex(`${name}-c`, 4)}-${stableHex(`${name}-d`, 12)}`;
    return { arn: arn(ctx, "aps", `workspace/${ws}`), prometheusEndpoint: `https://aps-workspaces.${ctx.region}.amazonaws.com/workspaces/${ws}/` };
  },
  "docker-build:index:Image": (name) => ({ digest: `sha256:${stableHex(name, 64)}`, ref: `${name}@sha256:${stableHex(name, 64)}` }),
};

/** Outputs that every AWS resource has when the type is not listed above. */
function genericAwsOutputs(type: string, name: string, inputs: Inputs, ctx: MockContext): Inputs {
  const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
  return { arn: arn(ctx, service, `${service}/${physical(name, inputs)}`) };
}

function kubernetesOutputs(name: string, inputs: Inputs): Inputs {
  const metadata = (inputs.metadata ?? {}) as Inputs;
  return { metadata: { ...metadata, name: metadata.name ?? name, uid: stableHex(name, 32) }, status: {} };
}

/** Outputs for a newly created resource: its inputs plus what the provider computes. */
export function mockOutputs(args: pulumi.runtime.MockResourceArgs, ctx: MockContext): { id: string; state: Inputs } {
  const inputs = args.inputs as Inputs;
  const id = mockId(args.type, args.name, inputs);
  const computed = BY_TYPE[args.type]
    ? BY_TYPE[args.type](args.name, inputs, ctx, id)
    : args.type.startsWith("aws:")
      ? genericAwsOutputs(args.type, args.name, inputs, ctx)
      : args.type.startsWith("kubernetes:")
        ? kubernetesOutputs(args.name, inputs)
        : {};
  return { id, state: { ...inputs, ...computed, ...(args.type.startsWith("aws:") ? { id, tagsAll: inputs.tags } : {}) } };
}

/** Answers the provider functions (invokes) that the stacks call. */
export function mockInvoke(args: pulumi.runtime.MockCallArgs, ctx: MockContext): Inputs {
  switch (args.token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const letters = ["a", "b", "c", "d", "e", "f"];
      return { id: ctx.region, names: letters.map((l) => `${ctx.region}${l}`), zoneIds: letters.map((_, i) => `use1-az${i + 1}`), groupNames: [], region: ctx.region };
    }
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: MOCK_ACCOUNT_ID, accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/deployer`, userId: "AIDAMOCKDEPLOYER" };
    case "aws:index/getRegion:getRegion":
      return { id: ctx.region, name: ctx.region, region: ctx.region, endpoint: `ec2.${ctx.region}.amazonaws.com`, description: ctx.region };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        id: ctx.region,
        userName: "AWS",
        password: "mock-ecr-password",
        authorizationToken: Buffer.from("AWS:mock-ecr-password").toString("base64"),
        proxyEndpoint: `https://${MOCK_ACCOUNT_ID}.dkr.ecr.${ctx.region}.amazonaws.com`,
        expiresAt: "2099-01-01T00:00:00Z",
      };
    case "aws:secretsmanager/getSecretVersion:getSecretVersion": {
      // A value shaped as DataTier's secrets are, so that keys read from it resolve.
      const secretId = String((args.inputs as Inputs).secretId);
      return { id: secretId, arn: secretId, secretId, versionId: "mock", secretString: JSON.stringify({ url: "mock://url", password: "mock-password", authToken: "mock-token", username: "mock" }) };
    }
    case "aws:index/getPartition:getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    default:
      // An unanswered invoke would return nothing and silently blank every input built from it.
      // The SDK reports an invoke failure by its gRPC `details`, so the message goes there too.
      throw Object.assign(new Error(`mock engine: no mock for invoke ${args.token}; add one to cli/plan/mock-outputs.ts`), {
        details: `mock engine: no mock for invoke ${args.token}; add one to cli/plan/mock-outputs.ts`,
      });
  }
}
