import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import { appLabels, restrictedContainerSecurity } from "../../infra/kubernetes/hardening";
import { type Transform, applyTransform } from "../../infra/transform";

/*
 * How the executor's Localhost seccomp profile reaches the nodes.
 *
 * kubelet reads `localhostProfile` relative to its seccomp root, `<root-dir>/seccomp`, that is
 * /var/lib/kubelet/seccomp on EKS and kind ("Localhost: a node local profile ... referenced by a
 * relative path to the seccomp profile root (<kubelet-root-dir>/seccomp)",
 * https://kubernetes.io/docs/reference/node/seccomp/ and
 * https://kubernetes.io/docs/tutorials/security/seccomp/); the file must exist before a container
 * using it starts, or the container fails to be created (kubelet retries it).
 *
 * Chosen: this small DaemonSet, not the Security Profiles Operator. The operator would need
 * cert-manager, its webhook, CRDs and its own privileged node daemon (spod, which also writes
 * under /var/lib/kubelet/seccomp): more moving parts with more rights than copying one file. Here
 * one init container runs as root (no capability, read-only root, no escalation) to copy the
 * ConfigMap into one hostPath directory, /var/lib/kubelet/seccomp/agentyard, and nothing else; the
 * long-running container is non-root and only proves the file is there (its probes). The cost is
 * a namespace that admits hostPath (Pod Security "privileged": baseline forbids any hostPath),
 * so it holds nothing else. The sandbox's own namespace stays "restricted", which allows seccomp
 * `Localhost` ("Seccomp profile must be explicitly set to one of the allowed values:
 * RuntimeDefault, Localhost", https://kubernetes.io/docs/concepts/security/pod-security-standards/).
 */

/** kubelet's seccomp root on EKS (AL2023 and Bottlerocket) and kind; our profiles go under it. */
export const KUBELET_SECCOMP_ROOT = "/var/lib/kubelet/seccomp";
export const PROFILE_SUBDIR = "agentyard";
export const PROFILE_HOST_DIR = `${KUBELET_SECCOMP_ROOT}/${PROFILE_SUBDIR}`;

export interface SeccompInstallerArgs {
  readonly namespaceName: string;
  /** File name and JSON text of each profile. */
  readonly profiles: ReadonlyArray<{ file: string; json: string }>;
  /** Any image with /bin/sh and cp: the sandbox's own, so nodes pull nothing more. */
  readonly image: pulumi.Input<string>;
  readonly transform?: Transform<k8s.apps.v1.DaemonSetArgs>;
}

export interface SeccompInstaller {
  readonly daemonSet: apps.DaemonSet;
  /** `localhostProfile` of a profile file, relative to kubelet's seccomp root. */
  readonly localhostProfile: (file: string) => string;
}

export function createSeccompInstaller(parent: pulumi.Resource, name: string, args: SeccompInstallerArgs, provider: pulumi.ProviderResource | undefined): SeccompInstaller {
  const opts = { parent, provider };
  const labels = appLabels("seccomp-installer", "seccomp-installer", name);
  const namespace = new core.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name: args.namespaceName,
        labels: {
          "app.kubernetes.io/part-of": "agentyard",
          // hostPath is refused by baseline and restricted alike; warn shows what restricted would say.
          "pod-security.kubernetes.io/enforce": "privileged",
          "pod-security.kubernetes.io/warn": "baseline",
        },
      },
    },
    opts,
  ).metadata.name;
  const data = Object.fromEntries(args.profiles.map((p) => [p.file, p.json]));
  const configMap = new core.ConfigMap(`${name}-profiles`, { metadata: { name: "seccomp-profiles", namespace, labels }, data }, opts);
  const files = args.profiles.map((p) => p.file);
  // Write to a temporary name, then rename: kubelet never reads half a profile.
  const install = files.map((f) => `cp /profiles/${f} /host/.${f}.tmp && mv -f /host/.${f}.tmp /host/${f}`).join(" && ");
  const present = ["/bin/sh", "-c", files.map((f) => `test -s /host/${f}`).join(" && ")];
  const selector = { "app.kubernetes.io/name": "seccomp-installer", "app.kubernetes.io/instance": name };
  const small = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "50m", memory: "32Mi" } };
  const daemonSetArgs: k8s.apps.v1.DaemonSetArgs = {
    metadata: { name: "seccomp-installer", namespace, labels },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%" } },
      template: {
        metadata: {
          labels: { ...labels, ...selector },
          // A changed profile is a rollout: every node gets the new file.
          annotations: { "agentyard.dev/profiles-hash": createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16) },
        },
        spec: {
          automountServiceAccountToken: false,
          nodeSelector: { "kubernetes.io/os": "linux" },
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          initContainers: [
            {
              name: "install",
              image: args.image,
              command: ["/bin/sh", "-c", install],
              resources: small,
              // Root only to write into the root-owned directory kubelet made; no capability at all.
              securityContext: { ...restrictedContainerSecurity(), runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 },
              volumeMounts: [
                { name: "profiles", mountPath: "/profiles", readOnly: true },
                { name: "host", mountPath: "/host" },
              ],
            },
          ],
          containers: [
            {
              name: "present",
              image: args.image,
              command: ["sleep", "infinity"],
              readinessProbe: { exec: { command: present }, periodSeconds: 30 },
              livenessProbe: { exec: { command: present }, periodSeconds: 60 },
              resources: small,
              securityContext: { ...restrictedContainerSecurity(), runAsUser: 65534, runAsGroup: 65534 },
              volumeMounts: [{ name: "host", mountPath: "/host", readOnly: true }],
            },
          ],
          volumes: [
            { name: "profiles", configMap: { name: configMap.metadata.name } },
            { name: "host", hostPath: { path: PROFILE_HOST_DIR, type: "DirectoryOrCreate" } },
          ],
        },
      },
    },
  };
  const daemonSet = new apps.DaemonSet(...applyTransform(args.transform, `${name}-daemonset`, daemonSetArgs, opts));
  return { daemonSet, localhostProfile: (file) => `${PROFILE_SUBDIR}/${file}` };
}
