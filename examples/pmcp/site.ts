// What a staging or prod site names before `pulumi up` (the stack file's EXAMPLE VALUES, under
// `site:`): the public domain and its Route 53 zone (staging and prod serve HTTPS), where the
// deployer reaches the EKS API from (prod keeps the endpoint private), who alerts reach (prod
// refuses routed alerts with no receiver) and the region each backup is copied to (prod).
import * as pulumi from "@pulumi/pulumi";

export interface Site {
  readonly region: string;
  readonly domain: string;
  readonly hostedZoneId: string;
  readonly apiPrivateCidrs: string[];
  readonly alertEmails: string[];
  readonly backupCopyRegion: string | undefined;
}

export function readSite(): Site {
  const site = new pulumi.Config("site");
  return {
    region: new pulumi.Config("aws").require("region"),
    domain: site.require("domain"),
    hostedZoneId: site.require("hostedZoneId"),
    // Only eks reads it.
    apiPrivateCidrs: site.getObject<string[]>("apiPrivateCidrs") ?? [],
    alertEmails: site.requireObject<string[]>("alertEmails"),
    backupCopyRegion: site.get("backupCopyRegion"),
  };
}
