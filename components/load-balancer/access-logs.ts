import * as pulumi from "@pulumi/pulumi";
import * as s3 from "@pulumi/aws/s3";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import { currentScope, standardTags } from "../../infra/naming";
import { applyTransform, type Transform } from "../../infra/transform";

const COMPONENT = "load-balancer";
export const ACCESS_LOG_PREFIX = "alb";

/**
 * Regions opened before August 2022 deliver ALB logs from a regional ELB account; later ones
 * from the log-delivery service principal (AWS: "Enable access logs for your Application Load Balancer").
 */
const ELB_ACCOUNTS: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-south-1": "718504428378",
  "ap-northeast-1": "582318560864",
  "ap-northeast-2": "600734575887",
  "ap-northeast-3": "383597477331",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "eu-south-1": "635631232127",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
};

export function logDeliveryPrincipal(region: string): Record<string, string> {
  const account = ELB_ACCOUNTS[region];
  return account ? { AWS: `arn:aws:iam::${account}:root` } : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" };
}

export interface AccessLogBucketOptions {
  readonly retentionDays: number;
  /** Kept on destroy (no forceDestroy) when true. */
  readonly retain: boolean;
  readonly transform: Transform<s3.BucketArgs> | undefined;
}

/**
 * An S3 bucket for ALB access logs: public access blocked, owner-enforced, encrypted (SSE-S3,
 * the only encryption ALB log delivery supports), TLS-only, and expiring old logs.
 */
export function createAccessLogBucket(parent: pulumi.Resource, name: string, options: AccessLogBucketOptions) {
  const child = { parent };
  const scope = currentScope();
  const bucket = new s3.Bucket(
    ...applyTransform(
      options.transform,
      `${name}-access-logs`,
      {
        // A prefix, not a name: bucket names are global across all AWS accounts.
        bucketPrefix: `${scope.project}-${scope.stack}-alb-logs-`.slice(0, 37),
        forceDestroy: !options.retain,
        tags: standardTags(COMPONENT),
      },
      { ...child, retainOnDelete: options.retain },
    ),
  );
  const publicAccess = new s3.BucketPublicAccessBlock(
    `${name}-access-logs`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    child,
  );
  new s3.BucketOwnershipControls(`${name}-access-logs`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
  new s3.BucketServerSideEncryptionConfiguration(
    `${name}-access-logs`,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
    child,
  );
  new s3.BucketLifecycleConfiguration(
    `${name}-access-logs`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: { prefix: `${ACCESS_LOG_PREFIX}/` },
          expiration: { days: options.retentionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    },
    child,
  );
  const region = getRegionOutput({}, child).region;
  const account = getCallerIdentityOutput({}, child).accountId;
  const policy = new s3.BucketPolicy(
    `${name}-access-logs`,
    {
      bucket: bucket.id,
      policy: pulumi.all([bucket.arn, region, account]).apply(([arn, r, accountId]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AlbLogDelivery",
              Effect: "Allow",
              Principal: logDeliveryPrincipal(r),
              Action: "s3:PutObject",
              Resource: `${arn}/${ACCESS_LOG_PREFIX}/AWSLogs/${accountId}/*`,
            },
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [arn, `${arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      ),
    },
    // The public access block must exist first, or a policy naming a principal may be refused.
    { parent, dependsOn: [publicAccess] },
  );
  return { bucket, policy };
}
