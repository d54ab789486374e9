import { readFileSync } from "node:fs";
import * as path from "node:path";
import { loadAll } from "js-yaml";
import { PACKAGE_ROOT } from "../../../infra/package-root";

/*
 * The agent-sandbox release this engine installs, from the copies of its manifests in
 * infra/assets/agent-sandbox/ (SOURCE.md: repository, tag, commit, paths). Bump the version here
 * and the files there together.
 */
export const AGENT_SANDBOX_SOURCE = {
  repository: "https://github.com/kubernetes-sigs/agent-sandbox",
  version: "0.5.6",
  commit: "211b7579cabed9460c1a692eb687084ff4c5879d",
} as const;

/**
 * The controller image the release tool puts in place of `ko://...` (dev/tools/release at the tag:
 * `registry.k8s.io/agent-sandbox/agent-sandbox-controller:{tag}`).
 */
export const CONTROLLER_IMAGE = `registry.k8s.io/agent-sandbox/agent-sandbox-controller:v${AGENT_SANDBOX_SOURCE.version}`;

/**
 * Fixed by the release: the CRDs' conversion webhook names the Service
 * `agent-sandbox-webhook-service` in this namespace, and the controller's defaults
 * (`--webhook-namespace`) agree. Moving it would mean editing upstream's CRDs.
 */
export const CONTROLLER_NAMESPACE = "agent-sandbox-system";

/** The served, stored versions of the release (the v1alpha1 ones are deprecated there). */
export const SANDBOX_API = { core: "agents.x-k8s.io/v1beta1", extensions: "extensions.agents.x-k8s.io/v1beta1" } as const;

// From the package root, so the installed package (dist/ beside infra/assets/) finds them too.
export const AGENT_SANDBOX_ASSETS = path.join(PACKAGE_ROOT, "infra", "assets", "agent-sandbox");

/** Upstream's files (k8s/ at the tag), by their name there without `.yaml`. */
export const CRD_FILES = {
  Sandbox: "agents.x-k8s.io_sandboxes",
  SandboxClaim: "extensions.agents.x-k8s.io_sandboxclaims",
  SandboxTemplate: "extensions.agents.x-k8s.io_sandboxtemplates",
  SandboxWarmPool: "extensions.agents.x-k8s.io_sandboxwarmpools",
} as const;

/**
 * What `sandbox-with-extensions.yaml` is assembled from (k8s/kustomization.yaml at the tag), minus
 * the CRDs: the core controller, the extensions' ClusterRoleBinding, and both generated ClusterRoles.
 */
export const CONTROLLER_FILES = ["controller", "rbac.generated", "extensions", "extensions-rbac.generated"] as const;

export function assetFile(base: string): string {
  return path.join(AGENT_SANDBOX_ASSETS, `${base}-v${AGENT_SANDBOX_SOURCE.version}.yaml`);
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> } & Record<string, unknown>;
  [field: string]: unknown;
}

/** Every document of one of the release's files, as the YAML has it. */
export function readManifests(base: string): Manifest[] {
  return (loadAll(readFileSync(assetFile(base), "utf8")) as Array<Manifest | null>).filter((doc): doc is Manifest => doc !== null);
}
