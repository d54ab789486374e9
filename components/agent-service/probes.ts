import type * as k8s from "@pulumi/kubernetes";
import type { AppProbes, ProbeSpec } from "./app-args";

type Probe = k8s.types.input.core.v1.Probe;

const DEFAULTS = {
  readiness: { path: "/ready", periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
  liveness: { path: "/health", initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
} as const;

/** A Kubernetes probe: httpGet, tcpSocket or exec, with its timings. */
function toKubernetes(spec: ProbeSpec): Probe {
  const { initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold } = spec;
  const timings = { initialDelaySeconds, periodSeconds, timeoutSeconds: timeoutSeconds ?? 3, failureThreshold };
  if ("command" in spec) return { exec: { command: spec.command }, ...timings };
  if ("tcp" in spec) return { tcpSocket: { port: spec.port ?? "http" }, ...timings };
  return { httpGet: { path: spec.path, port: spec.port ?? "http" }, ...timings };
}

/**
 * The three probes of the app. The startup probe checks what liveness checks, every 2 s, 30 times
 * (a minute to start) unless given: liveness and readiness wait for it to succeed.
 * https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 */
export function kubernetesProbes(probes: AppProbes | undefined): { readiness: Probe; liveness: Probe; startup: Probe } {
  const liveness = probes?.liveness ?? DEFAULTS.liveness;
  const readiness = probes?.readiness ?? DEFAULTS.readiness;
  const startup = probes?.startup ?? { ...liveness, initialDelaySeconds: undefined, periodSeconds: 2, failureThreshold: 30 };
  return { readiness: toKubernetes(readiness), liveness: toKubernetes(liveness), startup: toKubernetes(startup) };
}

const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));

/**
 * The ECS container health check, from a command liveness probe: ECS runs a command in the
 * container, never an HTTP request, so an HTTP liveness probe is left to the ALB's health check of
 * the readiness path (no curl is assumed in the image). Ranges: interval 5-300 s, timeout 2-60 s,
 * retries 1-10, startPeriod 0-300 s
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html).
 */
export function ecsHealthCheck(probes: AppProbes | undefined, explicit: string[] | undefined): { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number } | undefined {
  const liveness = probes?.liveness;
  const command = explicit ?? (liveness && "command" in liveness ? ["CMD", ...liveness.command] : undefined);
  if (!command) return undefined;
  const startup = probes?.startup;
  const startPeriod = startup ? (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3) + (startup.initialDelaySeconds ?? 0) : (liveness?.initialDelaySeconds ?? 20);
  return {
    command,
    interval: clamp(liveness?.periodSeconds ?? 15, 5, 300),
    timeout: clamp(liveness?.timeoutSeconds ?? 5, 2, 60),
    retries: clamp(liveness?.failureThreshold ?? 3, 1, 10),
    startPeriod: clamp(startPeriod, 0, 300),
  };
}
