import { EKS_CALENDAR_SOURCE, EKS_VERSION_CALENDAR, eksSupportStatus, utcDay } from "../cluster/eks-versions";
import { parseCidr } from "../network/cidr";
import type { ConfigProblem } from "./problems";
import type { EnvironmentSettings, Platform } from "./schema";

/*
 * Checks of the EKS cluster's settings that decide whether a first `pulumi up` can finish:
 * who can reach the Kubernetes API, and whether the version is one EKS creates at the price chosen.
 */

/**
 * `pulumi up` of an eks stack creates Kubernetes objects and Helm releases through the API
 * endpoint. With the public endpoint off, the API is reachable only from the VPC and networks
 * connected to it; with it on, only from `publicAccessCidrs`
 * (https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html). So an eks stack that
 * names neither public CIDRs nor a private network for its deployer cannot finish its first `up`.
 */
export function endpointAccessProblem(s: EnvironmentSettings, platform: Platform, ns: string): ConfigProblem | undefined {
  if (platform !== "eks") return undefined;
  const { publicCidrs = [], privateCidrs = [] } = s.cluster.endpointAccess;
  const key = `${ns}:cluster.endpointAccess`;
  if (publicCidrs.length === 0 && privateCidrs.length === 0) {
    return {
      key,
      got: s.cluster.endpointAccess,
      expected:
        "publicCidrs (the deployer's and CI's egress addresses) or privateCidrs (a runner inside the VPC or a network connected to it): with neither, nobody can reach the Kubernetes API to deploy",
    };
  }
  const open = publicCidrs.filter((c) => parseCidr(c)?.prefix === 0);
  if (open.length > 0) {
    return { key: `${key}.publicCidrs`, got: publicCidrs, expected: "CIDRs narrower than 0.0.0.0/0 (the API endpoint open to the internet is refused)" };
  }
  return undefined;
}

/**
 * A version must be in the release calendar; in standard support today unless `supportType` is
 * EXTENDED (then in standard or extended support). Past extended support EKS creates no cluster.
 * On a STANDARD policy, EKS upgrades a cluster at the end of standard support by itself.
 */
export function versionProblem(s: EnvironmentSettings, platform: Platform, ns: string, today: string = utcDay()): ConfigProblem | undefined {
  if (platform !== "eks") return undefined;
  const { version, supportType } = s.cluster;
  const status = eksSupportStatus(version, today);
  const key = `${ns}:cluster.version`;
  const known = Object.keys(EKS_VERSION_CALENDAR).join(", ");
  const inStandard = Object.keys(EKS_VERSION_CALENDAR).filter((v) => eksSupportStatus(v, today) === "standard");
  const advice = `one in standard support on ${today} (${inStandard.join(", ") || "none in the calendar: add the new rows"})`;
  if (status === "unknown") return { key, got: version, expected: `a version in the EKS release calendar (${known}; ${EKS_CALENDAR_SOURCE})` };
  if (status === "unsupported") {
    return { key, got: version, expected: `${advice}: ${version} left extended support on ${EKS_VERSION_CALENDAR[version].endOfExtendedSupport}` };
  }
  if (status === "extended" && supportType !== "EXTENDED") {
    const row = EKS_VERSION_CALENDAR[version];
    return {
      key,
      got: version,
      expected: `${advice}, or cluster.supportType: EXTENDED ($0.60 instead of $0.10 per cluster hour): ${version} left standard support on ${row.endOfStandardSupport}`,
    };
  }
  return undefined;
}

/** EKS allows one access entry per principal: the CI role listed among the admins too would fail `pulumi up` with ResourceInUseException. */
export function ciRoleProblem(s: EnvironmentSettings, platform: Platform, ns: string): ConfigProblem | undefined {
  const ci = s.cluster.ciRoleArn;
  if (platform !== "eks" || ci === undefined || !s.cluster.adminRoleArns.includes(ci)) return undefined;
  return { key: `${ns}:cluster.ciRoleArn`, got: ci, expected: "a role not also in cluster.adminRoleArns (each principal gets one access entry)" };
}
