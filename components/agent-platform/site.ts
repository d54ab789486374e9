import * as pulumi from "@pulumi/pulumi";

/**
 * What a staging or prod site names before `pulumi up`, read from the stack's config (the seed
 * examples keep it under `site:`): the public domain and its Route 53 zone (staging and prod serve
 * HTTPS), where the deployer reaches the EKS API from (prod keeps the endpoint private), who alerts
 * reach (prod refuses routed alerts with no receiver) and the region each backup is copied to.
 * Its keys are AgentPlatform's: spread it into the component's args.
 */
export interface SiteConfig {
  /** `aws:region`. */
  readonly region: string;
  readonly domain: string;
  readonly hostedZoneId: string;
  /** Only `eks` reads it; empty when unset. */
  readonly apiPrivateCidrs: string[];
  readonly alertEmails: string[];
  readonly backupCopyRegion: string | undefined;
}

/**
 * Reads the site's config: `<namespace>:domain`, `:hostedZoneId` and `:alertEmails` are required,
 * `:apiPrivateCidrs` and `:backupCopyRegion` optional, and `aws:region` required.
 * @example
 * ```ts
 * new AgentPlatform("platform", { platform: "eks", preset: "prod", cidr: "10.83.0.0/16", ...readSiteConfig() });
 * ```
 */
export function readSiteConfig(namespace = "site"): SiteConfig {
  const site = new pulumi.Config(namespace);
  return {
    region: new pulumi.Config("aws").require("region"),
    domain: site.require("domain"),
    hostedZoneId: site.require("hostedZoneId"),
    apiPrivateCidrs: site.getObject<string[]>("apiPrivateCidrs") ?? [],
    alertEmails: site.requireObject<string[]>("alertEmails"),
    backupCopyRegion: site.get("backupCopyRegion"),
  };
}
