/**
 * The keys a prod stack on AWS must set, each refused when missing (the deployer's way to the EKS
 * API, a domain for HTTPS, a second region for backup copies, an alert receiver): the raw stack
 * config each config test starts from, changing only the section it tests. A section given in
 * `sections` replaces the base's whole section; `undefined` removes it.
 */
export function prodStackConfig(platform: "eks" | "ecs" = "eks", sections: Record<string, unknown> = {}): Record<string, string> {
  const base: Record<string, unknown> = {
    "agentyard:platform": platform,
    "agentyard:preset": "prod",
    "aws:region": "us-east-1",
    ...(platform === "eks" ? { "agentyard:cluster": { endpointAccess: { publicCidrs: ["203.0.113.0/24"] } } } : {}),
    "agentyard:loadBalancer": { domain: "agents.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
    "agentyard:database": { backupCopyRegion: "us-west-2" },
    "agentyard:monitoring": { alerts: { emails: ["oncall@example.com"] } },
  };
  const merged = { ...base, ...sections };
  return Object.fromEntries(
    Object.entries(merged)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}
