import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PACKAGE_ROOT } from "../package-root";

/** The containerd runtime handler the sandbox RuntimeClass names (`handler: runsc`). */
export const GVISOR_RUNTIME_HANDLER = "runsc";

/** The node bootstrap script shipped with the stack: installs the pinned gVisor release. */
export const GVISOR_INSTALL_SCRIPT_PATH = path.join(PACKAGE_ROOT, "infra", "assets", "node", "install-gvisor.sh");

const BOUNDARY = "==AGENTYARD-GVISOR==";

/*
 * containerd's runtime for the handler, in containerd config version 2 syntax. nodeadm merges
 * `spec.containerd.config` over the config it generates; on containerd 2.x it generates the
 * version 2 template when the inline config is version 2 and runs `containerd config migrate`
 * (awslabs/amazon-eks-ami nodeadm/internal/containerd/config.go, getConfigTemplateVersion), so
 * this one form works on AMIs with containerd 1.7 and 2.x. The table and runtime_type are gVisor's
 * (https://gvisor.dev/docs/user_guide/containerd/quick_start/).
 */
export const GVISOR_CONTAINERD_CONFIG = `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${GVISOR_RUNTIME_HANDLER}]\n  runtime_type = "io.containerd.runsc.v1"\n`;

/**
 * User data for the gVisor node group: a MIME multi-part document with the install script and a
 * nodeadm NodeConfig that adds the runtime handler. On a managed node group with an EKS-optimized
 * AL2023 AMI (no image id in the launch template), EKS adds its own NodeConfig (cluster name,
 * endpoint, CA) to this user data, and nodeadm merges every NodeConfig part
 * (https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html;
 * https://awslabs.github.io/amazon-eks-ami/nodeadm/doc/examples/ "Merging multiple configuration
 * objects" and "Configuring containerd"). AL2023 user data for EKS must be MIME multi-part.
 */
export function gvisorUserData(script: string = readFileSync(GVISOR_INSTALL_SCRIPT_PATH, "utf8")): string {
  const nodeConfig = [
    "---",
    "apiVersion: node.eks.aws/v1alpha1",
    "kind: NodeConfig",
    "spec:",
    "  containerd:",
    "    config: |",
    ...GVISOR_CONTAINERD_CONFIG.trimEnd().split("\n").map((line) => `      ${line}`),
    "",
  ].join("\n");
  return [
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    "",
    `--${BOUNDARY}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"',
    "",
    script.trimEnd(),
    "",
    `--${BOUNDARY}`,
    "Content-Type: application/node.eks.aws",
    "",
    nodeConfig,
    `--${BOUNDARY}--`,
    "",
  ].join("\n");
}
