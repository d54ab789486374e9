import type * as pulumi from "@pulumi/pulumi";
import * as wafv2 from "@pulumi/aws/wafv2";
import type * as types from "@pulumi/aws/types/input";
import { standardTags } from "../../infra/naming";
import { applyTransform, type Transform } from "../../infra/transform";
import { MAX_REQUEST_BODY_BYTES, greaterThanPattern } from "./body-limit";
import { patternPrefix } from "./routes";

export interface WafOptions {
  readonly apiRateLimitPerMinute: number;
  readonly authRateLimitPerMinute: number;
  /** ALB path patterns of the `auth` routes; the stricter limit applies to them. */
  readonly authPathPatterns: readonly string[];
  readonly transform: Transform<wafv2.WebAclArgs> | undefined;
}

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });

// A WAF byte match takes a literal prefix, not an ALB pattern.
function authScope(patterns: readonly string[]): types.wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatement {
  const matches = [...new Set(patterns.map(patternPrefix))].map((prefix) => ({
    byteMatchStatement: {
      searchString: prefix,
      fieldToMatch: { uriPath: {} },
      positionalConstraint: "STARTS_WITH",
      textTransformations: [{ priority: 0, type: "LOWERCASE" }],
    },
  }));
  return matches.length === 1 ? matches[0] : { orStatement: { statements: matches } };
}

/**
 * A regional web ACL: a per-IP rate limit on everything (the seeds' API limit), a stricter one on
 * auth paths, requests declaring a body over the stack's limit refused, and the AWS common rule set
 * with its 8 KB body rule counted, not blocking. Limits are per minute (a 60 s evaluation window).
 */
export function createWebAcl(parent: pulumi.Resource, name: string, albArn: pulumi.Output<string>, options: WafOptions) {
  const rules: types.wafv2.WebAclRule[] = [];
  if (options.authPathPatterns.length > 0) {
    rules.push({
      name: "rate-limit-auth",
      priority: 0,
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit: options.authRateLimitPerMinute,
          evaluationWindowSec: 60,
          aggregateKeyType: "IP",
          scopeDownStatement: authScope(options.authPathPatterns),
        },
      },
      visibilityConfig: visibility(`${name}-rate-limit-auth`),
    });
  }
  rules.push(
    {
      name: "rate-limit-api",
      priority: 1,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: options.apiRateLimitPerMinute, evaluationWindowSec: 60, aggregateKeyType: "IP" } },
      visibilityConfig: visibility(`${name}-rate-limit-api`),
    },
    {
      // WAF on an ALB inspects only a body's first 8 KB, so it cannot measure one; it can refuse a
      // declared Content-Length over the limit (chunked bodies declare none: the service enforces).
      name: "body-over-limit",
      priority: 2,
      action: { block: {} },
      statement: {
        regexMatchStatement: {
          regexString: greaterThanPattern(MAX_REQUEST_BODY_BYTES),
          fieldToMatch: { singleHeader: { name: "content-length" } },
          textTransformations: [{ priority: 0, type: "NONE" }],
        },
      },
      visibilityConfig: visibility(`${name}-body-over-limit`),
    },
    {
      name: "aws-common-rule-set",
      priority: 3,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name: "AWSManagedRulesCommonRuleSet",
          // SizeRestrictions_BODY blocks every body over 8 KB: agent prompts and code are larger.
          // Counted, so it still shows in metrics (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
          ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }],
        },
      },
      visibilityConfig: visibility(`${name}-common-rule-set`),
    },
  );
  const acl = new wafv2.WebAcl(
    ...applyTransform(
      options.transform,
      `${name}-waf`,
      {
        scope: "REGIONAL",
        description: "Per-IP rate limits and the AWS common rule set in front of the agents",
        defaultAction: { allow: {} },
        rules,
        visibilityConfig: visibility(`${name}-waf`),
        tags: standardTags("load-balancer"),
      },
      { parent },
    ),
  );
  new wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: albArn, webAclArn: acl.arn }, { parent });
  return acl;
}
