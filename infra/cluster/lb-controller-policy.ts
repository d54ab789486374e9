import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PACKAGE_ROOT } from "../package-root";

/*
 * The AWS Load Balancer Controller's IAM policy is upstream's own `iam_policy.json` for the
 * controller version the pinned chart installs, kept byte for byte as an asset and attached as it
 * is: a hand-written copy drifts (it missed listener attributes, WAF and Shield association and
 * tag-on-create actions), and the controller fails at reconcile time, not at `pulumi up`.
 * Bump it with the chart (CLUSTER_CHARTS.loadBalancerController): fetch
 * docs/install/iam_policy.json at the tag of the chart's appVersion.
 */
export const LB_CONTROLLER_POLICY_SOURCE = {
  version: "v3.5.0",
  url: "https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/v3.5.0/docs/install/iam_policy.json",
  commit: "11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4",
} as const;

export const LB_CONTROLLER_POLICY_PATH = path.join(PACKAGE_ROOT, "infra", "assets", "iam", `aws-load-balancer-controller-${LB_CONTROLLER_POLICY_SOURCE.version}.json`);

/** The policy document to attach: upstream's, parsed and re-serialized (whitespace only differs). */
export function loadBalancerControllerPolicy(): string {
  return JSON.stringify(JSON.parse(readFileSync(LB_CONTROLLER_POLICY_PATH, "utf8")));
}
