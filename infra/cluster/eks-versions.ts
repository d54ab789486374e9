/*
 * The Amazon EKS Kubernetes release calendar, as data. A version is in standard support for 14
 * months after its EKS release, then in extended support for 12 more; "billing for extended
 * support starts at the beginning of the day that the version reaches end of standard support,
 * in the UTC+0 timezone" (the calendar's own words).
 *
 * Sources:
 * - https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar
 *   (rows 1.29 to 1.34, as in awsdocs/amazon-eks-user-guide at 013856044148d6eeed4723027a45aa2180536bcb)
 * - 1.35: AWS's table could not be read here for it (the newest stored copy of the page, above,
 *   stops at 1.34). The dates are endoflife.date's (https://endoflife.date/amazon-eks), whose EKS
 *   rows are read by its tooling from AWS's calendar table itself (endoflife-date/endoflife.date,
 *   products/amazon-eks.md: `release_table` of kubernetes-versions.html, columns "End of standard
 *   support" and "End of extended support"); its rows 1.29 to 1.34 equal AWS's above, and
 *   2027-03-27 is AWS's rule (14 months after the EKS release, then 12 more) for an EKS release on
 *   2026-01-27, the day of EKS Distro's 1.35-eks-3. Re-read AWS's row when the page can be read.
 * - 1.36 is offered by EKS ("Kubernetes 1.36 is now available in Amazon EKS",
 *   https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html) but is not
 *   listed: its row was in no copy of AWS's table readable here. Add it from the calendar before
 *   using it (docs/versions.md).
 *
 * Checked on 2026-12-02. A version not listed (1.36, and any released later) needs its row from
 * the calendar before it is used: the config check refuses it until then.
 */

export interface EksVersionSupport {
  /** End of standard support: the first day (UTC) billed at the extended price. */
  readonly endOfStandardSupport: string;
  /** End of extended support: after it, EKS upgrades the control plane itself. */
  readonly endOfExtendedSupport: string;
}

export const EKS_CALENDAR_SOURCE = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar";
export const EKS_CALENDAR_CHECKED = "2026-12-02";

export const EKS_VERSION_CALENDAR: Readonly<Record<string, EksVersionSupport>> = {
  "1.35": { endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27" },
  "1.34": { endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02" },
  "1.33": { endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29" },
  "1.32": { endOfStandardSupport: "2026-03-23", endOfExtendedSupport: "2027-03-23" },
  "1.31": { endOfStandardSupport: "2025-11-26", endOfExtendedSupport: "2026-11-26" },
  "1.30": { endOfStandardSupport: "2025-07-23", endOfExtendedSupport: "2026-07-23" },
  "1.29": { endOfStandardSupport: "2025-03-23", endOfExtendedSupport: "2026-03-23" },
};

/** The version the presets use: the newest in the calendar, in standard support until 2027-03-27. */
export const DEFAULT_EKS_VERSION = "1.35";

export type EksSupportStatus = "standard" | "extended" | "unsupported" | "unknown";

/** Where a version stands on a day (`YYYY-MM-DD`, UTC): standard on the day before its end of standard support, extended from that day. */
export function eksSupportStatus(version: string, day: string): EksSupportStatus {
  const row = EKS_VERSION_CALENDAR[version];
  if (!row) return "unknown";
  if (day < row.endOfStandardSupport) return "standard";
  if (day < row.endOfExtendedSupport) return "extended";
  return "unsupported";
}

/** Today in UTC as `YYYY-MM-DD`: the calendar's dates are UTC+0. */
export function utcDay(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/*
 * The control plane's hourly price by support (us-east-1 and every commercial region alike):
 * $0.10 per cluster hour in standard support, $0.60 in extended support ("a total of $0.60 per
 * cluster per hour"). Source: https://aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-versions-pricing/
 * and https://aws.amazon.com/eks/pricing/.
 */
export const EKS_CONTROL_PLANE_HOURLY = { standard: 0.1, extended: 0.6 } as const;
