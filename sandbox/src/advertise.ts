import { RuntimeConfigError } from "./config";

/*
 * The address other replicas reach this one at, carried in its session ids (sandbox/SESSIONS.md).
 * SANDBOX_ADVERTISE_ADDRESS wins (Kubernetes sets it from the pod IP). On ECS, unset, it is the
 * task's private IPv4 from the task metadata endpoint v4 and the api's port: Fargate (platform
 * 1.4.0 and later) injects ECS_CONTAINER_METADATA_URI_V4 into every container, and a GET of it
 * "returns metadata for the container", whose `Networks` list holds, in awsvpc mode, the task's
 * ENI address in `IPv4Addresses`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html,
 * example response: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate-examples.html).
 * Elsewhere there is no address: sessions are reachable only on the replica that made them.
 */

const METADATA_TIMEOUT_MS = 3000;
const ATTEMPTS = 3;

/** The part of a container metadata response read here; the rest is ignored. */
interface ContainerMetadata {
  readonly Networks?: unknown;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** The first IPv4 address of the container's networks in a task metadata v4 container response. */
export function privateIpv4(metadata: unknown): string | undefined {
  const networks = (metadata as ContainerMetadata | null)?.Networks;
  if (!Array.isArray(networks)) return undefined;
  for (const network of networks as Array<{ IPv4Addresses?: unknown } | null>) {
    const addresses = network?.IPv4Addresses;
    const address = Array.isArray(addresses) ? addresses.find((a): a is string => typeof a === "string" && IPV4.test(a)) : undefined;
    if (address) return address;
  }
  return undefined;
}

/** This replica's advertised `host:port`, or undefined. Throws when ECS metadata is there but unreadable. */
export async function advertiseAddress(configured: string | undefined, env: Readonly<Record<string, string | undefined>>, port: number): Promise<string | undefined> {
  if (configured !== undefined) return configured;
  const endpoint = env.ECS_CONTAINER_METADATA_URI_V4;
  if (!endpoint) return undefined;
  const metadata = await readMetadata(endpoint);
  const ip = privateIpv4(metadata);
  if (ip === undefined) throw new RuntimeConfigError("ECS_CONTAINER_METADATA_URI_V4: the container metadata lists no IPv4 address in Networks; set SANDBOX_ADVERTISE_ADDRESS");
  return `${ip}:${port}`;
}

/** The container metadata, tried a few times: the agent may answer a moment after the container starts. */
async function readMetadata(endpoint: string): Promise<unknown> {
  let last = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const res = await fetch(endpoint, { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) });
      if (res.ok) return await res.json();
      last = `answered ${res.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  throw new RuntimeConfigError(`ECS_CONTAINER_METADATA_URI_V4: could not read the task metadata (${last}); set SANDBOX_ADVERTISE_ADDRESS`);
}
