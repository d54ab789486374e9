/**
 * The Amazon EKS support calendar: a minor version is in standard support for 14 months after its
 * EKS release, then in extended support (at a higher control-plane price) for 12 more. Dates are
 * the first day a version is no longer in that support. Re-check against the source when adding one.
 */
export interface EksVersion {
  readonly version: string;
  /** First day out of standard support (`YYYY-MM-DD`). */
  readonly endOfStandard: string;
  /** First day out of extended support: the cluster is then upgraded by AWS. */
  readonly endOfExtended: string;
  readonly source: string;
}

const CALENDAR = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar";

export const EKS_VERSIONS: readonly EksVersion[] = [
  { version: "1.31", endOfStandard: "2025-11-26", endOfExtended: "2026-11-26", source: CALENDAR },
  { version: "1.32", endOfStandard: "2026-03-23", endOfExtended: "2027-03-23", source: CALENDAR },
  { version: "1.33", endOfStandard: "2026-07-29", endOfExtended: "2027-07-29", source: CALENDAR },
  { version: "1.34", endOfStandard: "2026-12-02", endOfExtended: "2027-12-02", source: CALENDAR },
  { version: "1.35", endOfStandard: "2027-03-27", endOfExtended: "2028-03-27", source: CALENDAR },
];
