// The `site:` config a staging or prod example needs (read by readSiteConfig, components/agent-platform/site.ts), as its stack files set it.
export const EXAMPLE_SITE = {
  "site:domain": "agents.example.com",
  "site:hostedZoneId": "Z0EXAMPLEREPLACEME00",
  "site:alertEmails": ["oncall@example.com"],
  "site:apiPrivateCidrs": ["10.80.0.0/16"],
  "site:backupCopyRegion": "us-west-2",
};
