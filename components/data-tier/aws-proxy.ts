import * as pulumi from "@pulumi/pulumi";
import type * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import type * as kms from "@pulumi/aws/kms";
import * as rds from "@pulumi/aws/rds";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as vpc from "@pulumi/aws/vpc";
import { PROXY_MAX_CONNECTIONS_PERCENT } from "../../infra/config/pool-checks";
import { physicalName, stackRegion, standardTags } from "../../infra/naming";
import type { DataTierArgs, NormalizedDataTierArgs } from "./args";
import { type AwsDatabase, POSTGRES_PORT } from "./aws-database";
import { COMPONENT, admit, storeSecurityGroup } from "./aws-security";

export interface AwsProxy {
  readonly proxy: rds.Proxy;
  readonly endpoint: pulumi.Output<string>;
  readonly securityGroup: ec2.SecurityGroup;
  /**
   * A secret holding `url`, the DATABASE_URL through the proxy. It carries no password (an IAM token
   * is the password), but services take every *_URL of the database as a secret reference
   * (the policy refuses DATABASE_URL in plain environment), so it is one.
   */
  readonly urlSecret: secretsmanager.Secret;
  /** Its value: a reader referring to this version's ARN waits until the URL is written. */
  readonly urlSecretVersion: secretsmanager.SecretVersion;
  /** What a client's role needs to connect through the proxy as the application user with an IAM token. */
  readonly connectStatement: { Effect: "Allow"; Action: string[]; Resource: pulumi.Output<string>[] };
}

/**
 * RDS Proxy in front of the PostgreSQL instance: connection pooling and multiplexing, and failover
 * without waiting for DNS (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html).
 * - TLS required (`RequireTLS`) and IAM authentication required for clients (`IAMAuth: REQUIRED`;
 *   for PostgreSQL only REQUIRED or DISABLED are valid:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_UserAuthConfig.html). A client
 *   connects as the application user with a token from `rds generate-db-auth-token` (or the SDK's
 *   Signer) for the proxy's endpoint, and needs `rds-db:connect` on the proxy's `dbuser` ARN
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connecting.html, IAM authentication).
 * - To the database the proxy logs in with the application user's secret (username and password
 *   keys: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html),
 *   through a role that may read exactly that secret and decrypt it with the tier's key.
 * - Its own security group: clients are admitted to it (allowFrom), it reaches only the database on 5432.
 */
export function createAwsProxy(parent: pulumi.Resource, name: string, cfg: NormalizedDataTierArgs, args: DataTierArgs, key: kms.Key, database: AwsDatabase, databaseSecurityGroup: ec2.SecurityGroup): AwsProxy {
  const child = { parent };
  const tags = standardTags(COMPONENT);
  const securityGroup = storeSecurityGroup(parent, `${name}-proxy-sg`, args.vpcId as pulumi.Input<string>, "RDS Proxy: 5432 from admitted workloads, out to PostgreSQL only", args.transform?.securityGroup);
  new vpc.SecurityGroupEgressRule(
    `${name}-proxy-to-db`,
    { securityGroupId: securityGroup.id, referencedSecurityGroupId: databaseSecurityGroup.id, ipProtocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, description: "PostgreSQL", tags },
    child,
  );
  admit(parent, `${name}-db-from-proxy`, databaseSecurityGroup, POSTGRES_PORT, securityGroup.id, "PostgreSQL from RDS Proxy");

  // The trust policy RDS Proxy documents (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-iam-setup.html).
  const role = new iam.Role(
    `${name}-proxy-role`,
    {
      name: physicalName("iamRole", ["db-proxy"]),
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "rds.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
      tags,
    },
    child,
  );
  const policy = new iam.RolePolicy(
    `${name}-proxy-secret-access`,
    {
      role: role.name,
      policy: pulumi.all([database.appSecret.arn, key.arn]).apply(([secretArn, keyArn]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [secretArn] },
            { Effect: "Allow", Action: ["kms:Decrypt"], Resource: [keyArn], Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${stackRegion()}.amazonaws.com` } } },
          ],
        }),
      ),
    },
    child,
  );
  const proxy = new rds.Proxy(
    `${name}-proxy`,
    {
      name: physicalName("dbProxy", ["db"]),
      engineFamily: "POSTGRESQL",
      requireTls: true,
      roleArn: role.arn,
      // Beside the workloads (private subnets: they reach Secrets Manager through the interface endpoint or NAT).
      vpcSubnetIds: args.privateSubnetIds ?? [],
      vpcSecurityGroupIds: [securityGroup.id],
      auths: [{ authScheme: "SECRETS", secretArn: database.appSecret.arn, iamAuth: "REQUIRED", clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256", description: `${cfg.appUser} through IAM tokens` }],
      idleClientTimeout: 1800,
      debugLogging: false,
      tags,
    },
    // The secret must hold its value before the proxy reads it.
    { parent, dependsOn: [policy, database.appSecretVersion] },
  );
  new rds.ProxyDefaultTargetGroup(
    `${name}-proxy-pool`,
    {
      dbProxyName: proxy.name,
      connectionPoolConfig: {
        // The rest of max_connections stays for direct users (bootstrap, exporter, migrations): infra/config/pool-checks.ts.
        maxConnectionsPercent: PROXY_MAX_CONNECTIONS_PERCENT,
        maxIdleConnectionsPercent: 50,
        connectionBorrowTimeout: 120,
      },
    },
    child,
  );
  new rds.ProxyTarget(`${name}-proxy-target`, { dbProxyName: proxy.name, targetGroupName: "default", dbInstanceIdentifier: database.instance.identifier }, child);
  // The proxy's resource id (prx-...) is the last part of its ARN; IAM names it in dbuser ARNs.
  const dbUserArn = pulumi.all([proxy.arn]).apply(([arn]) => {
    const [, partition, , region, account] = arn.split(":");
    return `arn:${partition}:rds-db:${region}:${account}:dbuser:${arn.split(":").at(-1)}/${cfg.appUser}`;
  });
  const urlSecret = new secretsmanager.Secret(
    `${name}-proxy-url-secret`,
    { name: physicalName("secret", ["db-proxy-url"]), description: `DATABASE_URL of ${cfg.appUser} through RDS Proxy (IAM token as password)`, kmsKeyId: key.arn, recoveryWindowInDays: cfg.deletionProtection ? 30 : 0, tags },
    child,
  );
  const urlSecretVersion = new secretsmanager.SecretVersion(
    `${name}-proxy-url-secret-value`,
    { secretId: urlSecret.id, secretString: pulumi.secret(pulumi.interpolate`{"url":"postgresql://${cfg.appUser}@${proxy.endpoint}:${POSTGRES_PORT}/${cfg.databaseName}?sslmode=require"}`) },
    child,
  );
  return { proxy, endpoint: proxy.endpoint, securityGroup, urlSecret, urlSecretVersion, connectStatement: { Effect: "Allow", Action: ["rds-db:connect"], Resource: [dbUserArn] } };
}
