/*
 * What changes between two plans of a stack: resources created, updated (each changed property
 * with its old and new value) and deleted, by URN, and the monthly cost before and after. Reads
 * the `--json` shape (a saved plan, or the base commit's in a pull request), so it needs no
 * cloud credentials. Secrets are already "[secret]" in a plan: a diff never shows their values.
 */
import { SECRET_MARK } from "./engine";
import { type PropertyChange, type TreeRow, diagnosticsLines, summaryLines, treeLines } from "./tree";

export interface PlanDocument {
  readonly stack: string;
  readonly resources: ReadonlyArray<{ urn: string; type: string; name: string; parent?: string | null; inputs: Record<string, unknown> }>;
  readonly cost?: { totalMonthlyUsd: number };
  /** The deploy rules' outcome (cli/rules); absent in plans made before they existed. */
  readonly deployRules?: ReadonlyArray<{ id: string; passed: boolean; violations: ReadonlyArray<{ message: string }> }>;
}

export interface StackDiff {
  readonly stack: string;
  /** `type name` of each resource created, updated or deleted (sorted). */
  readonly added: string[];
  readonly removed: string[];
  readonly changed: Array<{ resource: string; keys: string[] }>;
  readonly costBefore: number | undefined;
  readonly costAfter: number | undefined;
  /** Every resource of either side with its operation and changed properties: what the tree draws. */
  readonly rows: TreeRow[];
  /** Deploy rules the head's plan fails, with their messages: a real `pulumi up` would fail there. */
  readonly failedRules: ReadonlyArray<{ id: string; messages: string[] }>;
}

const label = (r: { type: string; name: string }) => `${r.type} ${r.name}`;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The leaves that differ between two input values, by path (`rules[0].priority`, `tags.team`). */
export function propertyChanges(before: unknown, after: unknown, path = ""): PropertyChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const at = (key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);
  if (before === SECRET_MARK || after === SECRET_MARK) return [{ path, kind: "update", before, after }];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      if (!(k in before)) return [{ path: at(k), kind: "add" as const, after: after[k] }];
      if (!(k in after)) return [{ path: at(k), kind: "remove" as const, before: before[k] }];
      return propertyChanges(before[k], after[k], at(k));
    });
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) return before.flatMap((b, i) => propertyChanges(b, after[i], at(i)));
  return [{ path, kind: "update", before, after }];
}

export function diffPlan(base: PlanDocument | undefined, head: PlanDocument | undefined): StackDiff {
  const stack = head?.stack ?? base?.stack ?? "?";
  const before = new Map((base?.resources ?? []).map((r) => [r.urn, r]));
  const after = new Map((head?.resources ?? []).map((r) => [r.urn, r]));
  const rows: TreeRow[] = [];
  const asTree = (r: PlanDocument["resources"][number]) => ({ ...r, parent: r.parent ?? undefined });
  for (const [urn, r] of after) {
    const old = before.get(urn);
    if (!old) {
      rows.push({ resource: asTree(r), op: "create" });
      continue;
    }
    const changes = Object.keys({ ...old.inputs, ...r.inputs })
      .sort()
      .flatMap((k) => (!(k in old.inputs) ? [{ path: k, kind: "add" as const, after: r.inputs[k] }] : !(k in r.inputs) ? [{ path: k, kind: "remove" as const, before: old.inputs[k] }] : propertyChanges(old.inputs[k], r.inputs[k], k)));
    rows.push(changes.length ? { resource: asTree(r), op: "update", changes } : { resource: asTree(r), op: "same" });
  }
  for (const [urn, r] of before) if (!after.has(urn)) rows.push({ resource: asTree(r), op: "delete" });
  const of = (op: TreeRow["op"]) => rows.filter((row) => row.op === op);
  return {
    stack,
    added: of("create").map((row) => label(row.resource)).sort(),
    removed: of("delete").map((row) => label(row.resource)).sort(),
    changed: of("update")
      .map((row) => ({ resource: label(row.resource), keys: [...new Set((row.changes ?? []).map((c) => c.path.split(/[.[]/)[0]))].sort() }))
      .sort((a, b) => a.resource.localeCompare(b.resource)),
    costBefore: base?.cost?.totalMonthlyUsd,
    costAfter: head?.cost?.totalMonthlyUsd,
    rows,
    failedRules: (head?.deployRules ?? []).filter((r) => !r.passed).map((r) => ({ id: r.id, messages: r.violations.map((v) => v.message) })),
  };
}

const money = (n: number | undefined) => (n === undefined ? "n/a" : `$${n.toFixed(2)}`);

function costDelta(d: StackDiff): string {
  if (d.costBefore === undefined || d.costAfter === undefined) return "n/a";
  const delta = d.costAfter - d.costBefore;
  return `${delta >= 0 ? "+" : "-"}$${Math.abs(delta).toFixed(2)}`;
}

const hasChanges = (d: StackDiff) => d.added.length + d.changed.length + d.removed.length > 0;

/** The diff as `pulumi preview` would print it: the changed part of the tree, the summary, the cost. */
export function diffText(d: StackDiff, warnings: readonly string[] = []): string {
  const lines = hasChanges(d) ? treeLines(d.rows) : ["No changes."];
  lines.push("", ...diagnosticsLines(warnings), ...summaryLines(d.rows));
  if (d.costBefore !== undefined || d.costAfter !== undefined) lines.push("", `Monthly cost: ${money(d.costBefore)} => ${money(d.costAfter)} (${costDelta(d)})`);
  return lines.join("\n");
}

/** A pull-request comment: one table row per stack, then each changing stack's tree as the CLI prints it. */
export function renderDiffMarkdown(diffs: readonly StackDiff[]): string {
  const out = ["### agentyard plan diff", "", "| stack | create | update | delete | monthly cost before | after | difference |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"];
  for (const d of diffs) out.push(`| \`${d.stack}\` | ${d.added.length} | ${d.changed.length} | ${d.removed.length} | ${money(d.costBefore)} | ${money(d.costAfter)} | ${costDelta(d)} |`);
  for (const d of diffs.filter(hasChanges)) {
    // The symbol in the first column, so GitHub colours creates and deletes in a diff block.
    const tree = diffText(d)
      .split("\n")
      .map((line) => line.replace(/^ ([+~-]) /, "$1  "));
    out.push("", `<details><summary><code>${d.stack}</code>: ${d.added.length} to create, ${d.changed.length} to update, ${d.removed.length} to delete</summary>`, "", "```diff", ...tree, "```", "", "</details>");
  }
  for (const d of diffs.filter((x) => x.failedRules.length > 0)) {
    out.push("", `**\`${d.stack}\` fails deploy rules** (a real \`pulumi up\` would fail or misbehave):`);
    for (const r of d.failedRules) for (const m of r.messages) out.push(`- \`${r.id}\`: ${m}`);
  }
  out.push("", "_From `agentyard plan <stack> --json --cost` on the base and head commits: offline, under mocks. `pulumi preview` is the word on what the cloud will do._");
  return `${out.join("\n")}\n`;
}
