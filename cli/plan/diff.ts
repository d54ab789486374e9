/*
 * What a pull request changes in a stack's plan: resources added, removed and changed (by URN,
 * comparing inputs), and the monthly cost before and after. Reads `npm run plan -- <stack> --json
 * --cost` output, so it needs no cloud credentials (pull requests from forks included).
 */

export interface PlanDocument {
  readonly stack: string;
  readonly resources: ReadonlyArray<{ urn: string; type: string; name: string; inputs: Record<string, unknown> }>;
  readonly cost?: { totalMonthlyUsd: number };
  /** The deploy rules' outcome (cli/rules); absent in plans made before they existed. */
  readonly deployRules?: ReadonlyArray<{ id: string; passed: boolean; violations: ReadonlyArray<{ message: string }> }>;
}

export interface StackDiff {
  readonly stack: string;
  readonly added: string[];
  readonly removed: string[];
  readonly changed: Array<{ resource: string; keys: string[] }>;
  readonly costBefore: number | undefined;
  readonly costAfter: number | undefined;
  /** Deploy rules the head's plan fails, with their messages: a real `pulumi up` would fail there. */
  readonly failedRules: ReadonlyArray<{ id: string; messages: string[] }>;
}

const label = (r: { type: string; name: string }) => `${r.type} ${r.name}`;

export function diffPlan(base: PlanDocument | undefined, head: PlanDocument | undefined): StackDiff {
  const stack = head?.stack ?? base?.stack ?? "?";
  const before = new Map((base?.resources ?? []).map((r) => [r.urn, r]));
  const after = new Map((head?.resources ?? []).map((r) => [r.urn, r]));
  const added = [...after.values()].filter((r) => !before.has(r.urn)).map(label).sort();
  const removed = [...before.values()].filter((r) => !after.has(r.urn)).map(label).sort();
  const changed: StackDiff["changed"] = [];
  for (const [urn, r] of after) {
    const old = before.get(urn);
    if (!old) continue;
    const keys = [...new Set([...Object.keys(old.inputs), ...Object.keys(r.inputs)])].filter((k) => JSON.stringify(old.inputs[k]) !== JSON.stringify(r.inputs[k])).sort();
    if (keys.length) changed.push({ resource: label(r), keys });
  }
  changed.sort((a, b) => a.resource.localeCompare(b.resource));
  const failedRules = (head?.deployRules ?? []).filter((r) => !r.passed).map((r) => ({ id: r.id, messages: r.violations.map((v) => v.message) }));
  return { stack, added, removed, changed, costBefore: base?.cost?.totalMonthlyUsd, costAfter: head?.cost?.totalMonthlyUsd, failedRules };
}

const money = (n: number | undefined) => (n === undefined ? "n/a" : `$${n.toFixed(2)}`);

function costDelta(d: StackDiff): string {
  if (d.costBefore === undefined || d.costAfter === undefined) return "n/a";
  const delta = d.costAfter - d.costBefore;
  return `${delta >= 0 ? "+" : "-"}$${Math.abs(delta).toFixed(2)}`;
}

/** A pull-request comment: one table row per stack, then the details of each stack that changes. */
export function renderDiffMarkdown(diffs: readonly StackDiff[]): string {
  const out = ["### agentyard plan diff", "", "| stack | added | changed | removed | monthly cost before | after | difference |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"];
  for (const d of diffs) out.push(`| \`${d.stack}\` | ${d.added.length} | ${d.changed.length} | ${d.removed.length} | ${money(d.costBefore)} | ${money(d.costAfter)} | ${costDelta(d)} |`);
  for (const d of diffs.filter((x) => x.added.length + x.changed.length + x.removed.length > 0)) {
    out.push("", `<details><summary><code>${d.stack}</code></summary>`, "");
    for (const r of d.added) out.push(`- added: \`${r}\``);
    for (const c of d.changed) out.push(`- changed: \`${c.resource}\` (${c.keys.join(", ")})`);
    for (const r of d.removed) out.push(`- **removed**: \`${r}\``);
    out.push("", "</details>");
  }
  for (const d of diffs.filter((x) => x.failedRules.length > 0)) {
    out.push("", `**\`${d.stack}\` fails deploy rules** (a real \`pulumi up\` would fail or misbehave):`);
    for (const r of d.failedRules) for (const m of r.messages) out.push(`- \`${r.id}\`: ${m}`);
  }
  out.push("", "_From `npm run plan -- <stack> --json --cost` on the base and head commits: offline, under mocks. `pulumi preview` is the word on what the cloud will do._");
  return `${out.join("\n")}\n`;
}
