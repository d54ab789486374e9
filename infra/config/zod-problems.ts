import type { z } from "zod";
import { type ConfigProblem, UNKNOWN_KEY } from "./problems";

/**
 * Turns zod issues into `key: got X, expected Y` problems. `prefix` is put before the dotted
 * path (`agentyard` gives `agentyard:network.cidr`); `allowedKeysAt` names what an object at a
 * path accepts, for unknown-key problems.
 */
export function zodProblems(
  error: z.ZodError,
  input: unknown,
  prefix: string,
  allowedKeysAt: (path: readonly string[]) => readonly string[] = () => [],
): ConfigProblem[] {
  const keyOf = (path: readonly string[]) => `${prefix}:${path.join(".")}`;
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      const allowed = allowedKeysAt(path);
      for (const key of issue.keys) {
        problems.push({ key: keyOf([...path, key]), got: UNKNOWN_KEY, expected: allowed.length ? `one of ${allowed.join(", ")}` : "no such key" });
      }
      continue;
    }
    // A secret's value is never echoed, even when it is of the wrong type.
    problems.push({ key: keyOf(path), got: path.includes("secrets") ? "[secret]" : valueAt(input, path), expected: issue.message });
  }
  return problems;
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * The same problems for a component's args, whose keys read `settings.cpu` rather than the stack
 * config's `agentyard:sandbox.cpu`: `prefix` is the arg that holds the section.
 */
export function argProblems(error: z.ZodError, input: unknown, prefix: string): ConfigProblem[] {
  return zodProblems(error, input, prefix).map((p) => ({ ...p, key: p.key.replace(":", ".") }));
}

/** The given values only: what is left out (undefined) keeps the preset's value when spread over it. */
export function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
