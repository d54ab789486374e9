import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { type MockContext, mockInvoke, mockOutputs } from "./mock-outputs";

// Internal SDK modules: the monitor the mocks install (to see parents and dependencies, which
// Mocks.newResource is not given) and the RPC queue (to know when a program has finished).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as {
  getMonitor(): MonitorLike | undefined;
  waitForRPCs(): Promise<void>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
  specialSigKey: string;
  specialSecretSig: string;
  specialResourceSig: string;
  specialAssetSig: string;
  specialArchiveSig: string;
  unknownValue: string;
};

interface RegisterRequestLike {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
}

interface MonitorLike {
  registerResource(req: RegisterRequestLike, callback: (err: unknown, resp: unknown) => void): Promise<void> | void;
}

/** Marks in place of values a plan must not print, or cannot know. */
export const SECRET_MARK = "[secret]";
export const UNKNOWN_MARK = "[unknown]";

/** One registered resource, as the engine would see it. */
export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The parent's URN; undefined for resources at the top of the program. */
  readonly parent: string | undefined;
  readonly custom: boolean;
  /** Inputs with secrets replaced by "[secret]", unknowns (preview) by "[unknown]", resource references by their URN. */
  readonly inputs: Record<string, unknown>;
  /** URNs this resource depends on (dependsOn and resources its inputs came from). */
  readonly dependencies: readonly string[];
  readonly options: { readonly protect: boolean; readonly retainOnDelete: boolean; readonly deleteBeforeReplace: boolean; readonly ignoreChanges: readonly string[] };
  /** The id the mock provider gave a custom resource (undefined in preview, as for a resource yet to be created). */
  readonly id?: string;
  /** Its outputs as the mock provider computed them (sanitized as inputs are); what stack policies read. */
  readonly outputs?: Record<string, unknown>;
}

export interface EvaluateOptions {
  readonly project: string;
  readonly stack: string;
  /** Full config keys (`agentyard:network`, `aws:region`) to string values, as Pulumi stores them. */
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys?: readonly string[];
  /** Preview mode: computed outputs are unknown, as in `pulumi preview`. */
  readonly preview?: boolean;
}

export interface Evaluation<T> {
  readonly resources: readonly PlannedResource[];
  readonly result: T;
  /** What the program logged with `pulumi.log.warn` (and `.error`), in order: shown together after the plan. */
  readonly warnings: readonly string[];
}

/**
 * Runs `program` under Pulumi's mock engine and returns every resource it registered. No CLI,
 * no credentials, no network. Runs are sequential within a process: the SDK's state is global.
 */
export function evaluate<T>(program: () => T | Promise<T>, options: EvaluateOptions): Promise<Evaluation<T>> {
  // The SDK's state is process-global: two evaluations at once would mix their resources.
  const run = queue.then(() => evaluateNow(program, options));
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

let queue: Promise<void> = Promise.resolve();

async function evaluateNow<T>(program: () => T | Promise<T>, options: EvaluateOptions): Promise<Evaluation<T>> {
  const region = options.config["aws:region"] ?? "us-east-1";
  const ctx: MockContext = { region };
  const preview = options.preview ?? false;
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);
  // Ids by type and name: what policies join on (a rule's securityGroupId, a subnet group's subnets).
  const made = new Map<string, { id: string; state: Record<string, unknown> }>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const { id, state } = mockOutputs(args, ctx);
        if (!preview) made.set(`${args.type}::${args.name}`, { id, state });
        // A real preview knows only the inputs of a resource it is about to create.
        return preview ? { id: undefined, state: args.inputs } : { id, state };
      },
      call: (args) => mockInvoke(args, ctx),
    },
    options.project,
    options.stack,
    preview,
  );

  const resources: PlannedResource[] = [];
  const monitor = settings.getMonitor();
  if (!monitor) throw new Error("mock engine: setMocks installed no monitor");
  const register = monitor.registerResource.bind(monitor);
  const failures: unknown[] = [];
  monitor.registerResource = (req, callback) => {
    const urn = urnOf(options, req.getParent(), req.getType(), req.getName());
    resources.push({
      urn,
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent() || undefined,
      custom: req.getCustom(),
      inputs: sanitize(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
      dependencies: [...new Set(req.getDependenciesList())].sort(),
      options: {
        protect: req.getProtect(),
        retainOnDelete: req.getRetainondelete(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        ignoreChanges: req.getIgnorechangesList(),
      },
    });
    return register(req, (err, resp) => {
      if (err) failures.push(err);
      callback(err, resp);
    });
  };

  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  // With no engine the SDK prints warnings as they come, in the middle of the output; a plan
  // collects them and shows them together at the end, as `pulumi preview` does.
  const warnings: string[] = [];
  // The SDK captures a stack trace for every promise it makes (for its leak report), which is a
  // third of a plan's time: none are captured while evaluating unless AGENTYARD_STACK_TRACES is set.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!process.env.AGENTYARD_STACK_TRACES) Error.stackTraceLimit = 0;
  const log = pulumi.log as { warn: typeof pulumi.log.warn; error: typeof pulumi.log.error };
  const { warn, error } = log;
  log.warn = async (message: string) => void warnings.push(message);
  log.error = async (message: string) => void warnings.push(`error: ${message}`);
  try {
    const result = await program();
    await settings.waitForRPCs();
    // Outputs whose apply threw surface as rejections a few turns after the queue drains.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    const failure = failures[0] ?? rejections[0];
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
    const withOutputs = resources.map((r) => {
      const mock = r.custom ? made.get(`${r.type}::${r.name}`) : undefined;
      return mock ? { ...r, id: mock.id, outputs: sanitize(mock.state) as Record<string, unknown> } : r;
    });
    return { resources: withOutputs, result, warnings };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    log.warn = warn;
    log.error = error;
    process.off("unhandledRejection", onRejection);
  }
}

/** The URN the engine gives a resource: the parent's type chain, then the type and name. */
function urnOf(options: EvaluateOptions, parent: string, type: string, name: string): string {
  let qualified = type;
  if (parent) {
    const parentType = parent.split("::")[2]?.split("$").pop();
    qualified = `${parentType}$${type}`;
  }
  return `urn:pulumi:${options.stack}::${options.project}::${qualified}::${name}`;
}

function digestOf(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")} (${Buffer.byteLength(text)} bytes)`;
}

/** Replaces secrets, unknowns, assets and resource references with printable stand-ins. */
function sanitize(value: unknown): unknown {
  if (value === rpc.unknownValue) return UNKNOWN_MARK;
  if (Array.isArray(value)) return value.map(sanitize);
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  switch (object[rpc.specialSigKey]) {
    case rpc.specialSecretSig:
      return SECRET_MARK;
    case rpc.specialResourceSig:
      return object.urn;
    case rpc.specialAssetSig:
    case rpc.specialArchiveSig: {
      const described = { ...object };
      delete described[rpc.specialSigKey];
      // A bundled function is hundreds of kilobytes: the plan shows its digest, which changes exactly when it does.
      if (typeof described.text === "string") described.text = digestOf(described.text);
      return sanitize(described);
    }
    default:
      return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, sanitize(v)]));
  }
}
