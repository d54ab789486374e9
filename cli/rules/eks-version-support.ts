import { EKS_CALENDAR_SOURCE, EKS_VERSION_CALENDAR, eksSupportStatus } from "../../infra/cluster/eks-versions";
import { type DeployRule, at, label } from "./rule";

/** Where `version` stands on `day` (`YYYY-MM-DD`): standard, extended, unsupported, or not in the calendar. */
export const eksSupportOn = eksSupportStatus;

const CLUSTER = "aws:eks/cluster:Cluster";

/**
 * A version out of standard support costs the extended-support price (six times the control
 * plane's) or, past extended support, is upgraded by AWS. Extended support is accepted only when
 * the cluster asks for it (`upgradePolicy.supportType: EXTENDED`).
 */
export const eksVersionSupport: DeployRule = {
  id: "eks-version-in-standard-support",
  fact: "An EKS minor version is in standard support for 14 months after release, then in extended support (billed per cluster hour) for 12 months; after that the cluster is auto-upgraded.",
  source: EKS_CALENDAR_SOURCE,
  check(graph, context) {
    return graph.ofType(CLUSTER).flatMap((cluster) => {
      const version = at(cluster.inputs, "version");
      if (typeof version !== "string") return [{ urn: cluster.urn, message: `${label(cluster)} names no version: EKS would pick its default, which no plan can check` }];
      const support = eksSupportOn(version, context.today);
      const extended = at(cluster.inputs, "upgradePolicy.supportType") === "EXTENDED";
      const entry = EKS_VERSION_CALENDAR[version];
      if (support === "standard" || (support === "extended" && extended)) return [];
      const inStandard = Object.keys(EKS_VERSION_CALENDAR).filter((v) => eksSupportOn(v, context.today) === "standard");
      const why =
        support === "unknown"
          ? `is not in the support calendar (infra/cluster/eks-versions.ts)`
          : support === "extended"
            ? `left standard support on ${entry?.endOfStandardSupport} (extended support only if upgradePolicy.supportType is EXTENDED, at its price)`
            : `left extended support on ${entry?.endOfExtendedSupport}`;
      return [{ urn: cluster.urn, message: `${label(cluster)} version ${version} ${why}; in standard support on ${context.today}: ${inStandard.join(", ") || "none in the calendar"}` }];
    });
  },
};
