import { type DeployRule, asArray, at, label } from "./rule";

const WEB_ACL = "aws:wafv2/webAcl:WebAcl";

/** SizeRestrictions_BODY counted (or the whole group counted) lets bodies over 8 KB through. */
function bodyLimitOverridden(rule: unknown): boolean {
  if (at(rule, "overrideAction.count") !== undefined) return true;
  const overrides = asArray(at(rule, "statement.managedRuleGroupStatement.ruleActionOverrides"));
  return overrides.some((o) => at(o, "name") === "SizeRestrictions_BODY" && (at(o, "actionToUse.count") !== undefined || at(o, "actionToUse.allow") !== undefined));
}

/** Agent prompts and code are larger than 8 KB: blocking such bodies breaks the service. */
export const wafBodySize: DeployRule = {
  id: "waf-allows-large-bodies",
  fact: "SizeRestrictions_BODY in the AWS common rule set (AWSManagedRulesCommonRuleSet) blocks request bodies over 8 KB; agent prompts and code are larger.",
  source: "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html#aws-managed-rule-groups-baseline-crs",
  check(graph) {
    return graph.ofType(WEB_ACL).flatMap((acl) =>
      asArray(acl.inputs.rules)
        .filter((r) => at(r, "statement.managedRuleGroupStatement.name") === "AWSManagedRulesCommonRuleSet" && !bodyLimitOverridden(r))
        .map((r) => ({
          urn: acl.urn,
          message: `${label(acl)} rule ${String(at(r, "name"))} blocks bodies over 8 KB (SizeRestrictions_BODY): override that rule to count (ruleActionOverrides) and enforce the body limit at the service`,
        })),
    );
  },
};
