import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import type * as kms from "@pulumi/aws/kms";
import * as lambda from "@pulumi/aws/lambda";
import * as vpc from "@pulumi/aws/vpc";
import { bundleBootstrap } from "../../infra/database/bundle";
import { BOOTSTRAP_NODE } from "../../infra/database/node-runtime";
import { renderBootstrapSql } from "../../infra/database/sql";
import { serviceRole } from "../../infra/iam";
import { namedTags, physicalName, standardTags } from "../../infra/naming";
import { applyTransform } from "../../infra/transform";
import type { DataTierArgs, NormalizedDataTierArgs } from "./args";
import { POSTGRES_PORT, type AwsDatabase } from "./aws-database";
import { COMPONENT, admit } from "./aws-security";

export interface AwsBootstrap {
  readonly function: lambda.Function;
  readonly invocation: lambda.Invocation;
  readonly checksum: string;
}

/**
 * The schema bootstrap without network access from the deployer: a function in the private
 * subnets, invoked by `pulumi up` through `aws.lambda.Invocation`. The invocation's input is the
 * SQL and its checksum, so it runs again when, and only when, the SQL changes.
 */
export function createAwsBootstrap(
  parent: pulumi.Resource,
  name: string,
  cfg: NormalizedDataTierArgs,
  args: DataTierArgs,
  key: kms.Key,
  dbSecurityGroup: ec2.SecurityGroup,
  database: AwsDatabase,
): AwsBootstrap {
  const child = { parent };
  const functionName = physicalName("lambdaFunction", ["db-bootstrap"]);
  const { sql, checksum } = renderBootstrapSql(cfg.embeddingDimensions);

  const securityGroup = new ec2.SecurityGroup(
    `${name}-db-bootstrap-sg`,
    { vpcId: args.vpcId as pulumi.Input<string>, description: "Database bootstrap function: out to PostgreSQL and to Secrets Manager", revokeRulesOnDelete: true, tags: namedTags(COMPONENT, "db-bootstrap") },
    child,
  );
  new vpc.SecurityGroupEgressRule(
    `${name}-db-bootstrap-to-db`,
    { securityGroupId: securityGroup.id, referencedSecurityGroupId: dbSecurityGroup.id, ipProtocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, description: "PostgreSQL", tags: standardTags(COMPONENT) },
    child,
  );
  new vpc.SecurityGroupEgressRule(
    `${name}-db-bootstrap-to-https`,
    // Secrets Manager through its interface endpoint or the NAT: AWS publishes no fixed range for it.
    { securityGroupId: securityGroup.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "Secrets Manager API", tags: standardTags(COMPONENT) },
    child,
  );
  admit(parent, `${name}-db-from-bootstrap`, dbSecurityGroup, POSTGRES_PORT, securityGroup.id, "Schema bootstrap function");

  const { role, attachments } = serviceRole(parent, `${name}-db-bootstrap-role`, {
    physical: "db-bootstrap",
    service: "lambda.amazonaws.com",
    component: COMPONENT,
    managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"],
  });
  // Least privilege: the two secrets it reads and the key they are encrypted with, nothing else.
  const secretsAccess = new iam.RolePolicy(
    `${name}-db-bootstrap-secrets`,
    {
      role: role.name,
      policy: pulumi.all([database.masterSecretArn, database.appSecret.arn, key.arn]).apply(([master, app, keyArn]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [master, app] },
            { Effect: "Allow", Action: ["kms:Decrypt"], Resource: [keyArn] },
          ],
        }),
      ),
    },
    child,
  );
  const logGroup = new cloudwatch.LogGroup(
    `${name}-db-bootstrap-logs`,
    { name: `/aws/lambda/${functionName}`, retentionInDays: cfg.logRetentionDays, tags: standardTags(COMPONENT) },
    child,
  );

  const fn = new lambda.Function(
    ...applyTransform(
      args.transform?.bootstrapFunction,
      `${name}-db-bootstrap`,
      {
        name: functionName,
        description: "Applies the agentyard schema bootstrap to PostgreSQL",
        // Node.js 24: Lambda deprecates nodejs22.x on 2027-04-30 (infra/database/node-runtime.ts).
        runtime: BOOTSTRAP_NODE.lambdaRuntime,
        architectures: ["arm64"],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleBootstrap("lambda")) }),
        role: role.arn,
        timeout: 300,
        memorySize: 256,
        vpcConfig: { subnetIds: args.privateSubnetIds ?? [], securityGroupIds: [securityGroup.id] },
        environment: {
          variables: {
            DB_HOST: database.instance.address,
            DB_PORT: String(POSTGRES_PORT),
            DB_NAME: cfg.databaseName,
            MASTER_SECRET_ARN: database.masterSecretArn,
            APP_SECRET_ARN: database.appSecret.arn,
            // The runtime's bundle that includes the RDS certificate authorities, for verified TLS.
            NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
          },
        },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        tags: standardTags(COMPONENT),
      },
      // Lambda checks at creation that the role may make network interfaces in the VPC.
      { parent, dependsOn: [logGroup, ...attachments] },
    ),
  );
  const invocation = new lambda.Invocation(
    `${name}-db-bootstrap-run`,
    { functionName: fn.name, input: JSON.stringify({ sql, checksum }), triggers: { checksum } },
    // The database must be up and the app role's secret written before the bootstrap reads them.
    { parent, dependsOn: [database.instance, database.appSecretVersion, secretsAccess] },
  );
  return { function: fn, invocation, checksum };
}
