import type { EnvironmentSettings } from "../../infra/config/schema";

/**
 * Usage that a plan cannot know, stated so the reader can disagree. Each preset has its own
 * (`cost` in infra/config/presets.ts) and `agentyard:cost` overrides any of them:
 * - natGbPerGateway: GB through each NAT gateway a month (image pulls, model API calls);
 * - albLcus: average load balancer capacity units (1 LCU: 25 new connections/s, 3,000 active, 1 GB/h);
 * - logGbPerGroup: GB ingested into each log group a month;
 * - wafMillionRequests: million requests through the WAF a month;
 * - ecrGbPerRepository: GB of images kept in each ECR repository;
 * - ampMillionSamples: million samples Amazon Managed Prometheus ingests a month;
 * - backupGbPerVault: GB of database recovery points each AWS Backup vault holds (a first full
 *   snapshot, then daily increments, over the retention);
 * - backupCopyGbPerMonth: GB those copies move to the second region a month (prod: the increments
 *   plus a full copy now and then).
 */
export type UsageAssumptions = EnvironmentSettings["cost"];
