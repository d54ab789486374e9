import { EKS_VERSIONS } from "../../infra/cluster/eks-versions";
import { type DeployRule, at, label } from "./rule";

/** Where `version` stands on `day` (`YYYY-MM-DD`): standard, extended, unsupported, or not in the calendar. */
export function eksSupportOn(version: string, day: string): "standard" | "extended" | "unsupported" | "unknown" {
  const entry = EKS_VERSIONS.find((v) => v.version === version);
  if (!entry) return "unknown";
  if (day < entry.endOfStandard) return "standard";
  return day < entry.endOfExtended ? "extended" : "unsupported";
}

const CLUSTER = "aws:eks/cluster:Cluster";

/**
 * A version out of standard support costs the extended-support price (six times the control
 * plane's) or, past extended support, is upgraded by AWS. Extended support is accepted only when
 * the cluster asks for it (`upgradePolicy.supportType: EXTENDED`).
 */
export const eksVersionSupport: DeployRule = {
  id: "eks-version-in-standard-support",
  fact: "An EKS minor version is in standard support for 14 months after release, then in extended support (billed per cluster hour) for 12 months; after that the cluster is auto-upgraded.",
  source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
  check(graph, context) {
    return graph.ofType(CLUSTER).flatMap((cluster) => {
      const version = at(cluster.inputs, "version");
      if (typeof version !== "string") return [{ urn: cluster.urn, message: `${label(cluster)} names no version: EKS would pick its default, which no plan can check` }];
      const support = eksSupportOn(version, context.today);
      const extended = at(cluster.inputs, "upgradePolicy.supportType") === "EXTENDED";
      const entry = EKS_VERSIONS.find((v) => v.version === version);
      if (support === "standard" || (support === "extended" && extended)) return [];
      const inStandard = EKS_VERSIONS.filter((v) => eksSupportOn(v.version, context.today) === "standard").map((v) => v.version);
      const why =
        support === "unknown"
          ? `is not in the support calendar (infra/cluster/eks-versions.ts)`
          : support === "extended"
            ? `left standard support on ${entry?.endOfStandard} (extended support only if upgradePolicy.supportType is EXTENDED, at its price)`
            : `left extended support on ${entry?.endOfExtended}`;
      return [{ urn: cluster.urn, message: `${label(cluster)} version ${version} ${why}; in standard support on ${context.today}: ${inStandard.join(", ") || "none in the calendar"}` }];
    });
  },
};
