import { UNKNOWN_MARK } from "./engine";

/*
 * The resource tree in `pulumi preview`'s vocabulary: one line per resource under its parent,
 * `+` create, `~` update, `-` delete, short type tokens, then the diagnostics and a summary.
 */

export type Op = "create" | "update" | "delete" | "same";

const SYMBOL: Record<Op, string> = { create: "+", update: "~", delete: "-", same: " " };

/** A resource as the tree shows it: from a fresh evaluation or from a saved plan. */
export interface TreeResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | undefined;
  readonly inputs: Record<string, unknown>;
}

/** One changed property of an updated resource: its path and the values before and after. */
export interface PropertyChange {
  readonly path: string;
  readonly kind: "add" | "update" | "remove";
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface TreeRow {
  readonly resource: TreeResource;
  readonly op: Op;
  readonly changes?: readonly PropertyChange[];
}

export interface TreeOptions {
  /** Every top-level input under each resource. */
  readonly details?: boolean;
  /** Inputs not known until `pulumi up`, under each resource (what --preview adds). */
  readonly unknowns?: boolean;
  /** Show unchanged resources too (a diff shows only changes and their ancestors). */
  readonly sames?: boolean;
}

/**
 * The short type token `pulumi preview` prints: `aws:rds/instance:Instance` is `aws:rds:Instance`
 * (the module's last part dropped where it only repeats the type's name); others stay as they are.
 */
export function shortType(type: string): string {
  const [pkg, module, name] = type.split(":");
  if (name === undefined || module === undefined) return type;
  const parts = module.split("/");
  if (parts.length > 1 && parts[parts.length - 1].toLowerCase() === name.toLowerCase()) return `${pkg}:${parts.slice(0, -1).join("/")}:${name}`;
  return type;
}

const MAX_VALUE = 100;

/** A value on one line: JSON, cut at 100 characters. */
export function oneLine(value: unknown): string {
  const text = value === undefined ? "undefined" : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 3)}...` : text;
}

function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN_MARK) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

const byTypeThenName = (a: TreeRow, b: TreeRow) => {
  const x = `${a.resource.type} ${a.resource.name}`;
  const y = `${b.resource.type} ${b.resource.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The tree's lines (columns Type, Name, Plan), components first at each level. */
export function treeLines(rows: readonly TreeRow[], options: TreeOptions = {}): string[] {
  const byUrn = new Map(rows.map((r) => [r.resource.urn, r]));
  // A diff shows changed resources and the components they sit in; a fresh plan shows everything.
  const shown = new Set<string>();
  for (const row of rows) {
    if (row.op === "same" && !options.sames) continue;
    for (let urn: string | undefined = row.resource.urn; urn && !shown.has(urn); urn = byUrn.get(urn)?.resource.parent) shown.add(urn);
  }
  const children = new Map<string | undefined, TreeRow[]>();
  for (const row of rows) {
    if (!shown.has(row.resource.urn)) continue;
    const parent = row.resource.parent !== undefined && byUrn.has(row.resource.parent) ? row.resource.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), row]);
  }
  const hasChildren = (urn: string) => (children.get(urn)?.length ?? 0) > 0;
  const entries: Array<{ row: TreeRow; prefix: string; detailPrefix: string }> = [];
  const walk = (parent: string | undefined, childPrefix: string) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => {
      const ca = hasChildren(a.resource.urn) ? 0 : 1;
      const cb = hasChildren(b.resource.urn) ? 0 : 1;
      return ca - cb || byTypeThenName(a, b);
    });
    list.forEach((row, i) => {
      const last = i === list.length - 1;
      const branch = parent === undefined ? "" : last ? "└─ " : "├─ ";
      const below = parent === undefined ? "" : last ? "   " : "│  ";
      entries.push({ row, prefix: `${childPrefix}${branch}`, detailPrefix: `${childPrefix}${below}${hasChildren(row.resource.urn) ? "│  " : "   "}` });
      walk(row.resource.urn, `${childPrefix}${below}`);
    });
  };
  walk(undefined, "");
  const typeWidth = Math.max(4, ...entries.map((e) => e.prefix.length + shortType(e.row.resource.type).length));
  const nameWidth = Math.max(4, ...entries.map((e) => e.row.resource.name.length));
  const lines = [`     ${"Type".padEnd(typeWidth)}  ${"Name".padEnd(nameWidth)}  Plan`];
  for (const { row, prefix, detailPrefix } of entries) {
    const r = row.resource;
    const plan = row.op === "same" ? "" : row.op;
    lines.push(` ${SYMBOL[row.op]}   ${`${prefix}${shortType(r.type)}`.padEnd(typeWidth)}  ${r.name.padEnd(nameWidth)}  ${plan}`.trimEnd());
    const detail = (text: string) => lines.push(`     ${detailPrefix}    ${text}`);
    for (const change of row.changes ?? []) {
      if (change.kind === "add") detail(`+ ${change.path}: ${oneLine(change.after)}`);
      else if (change.kind === "remove") detail(`- ${change.path}: ${oneLine(change.before)}`);
      else detail(`~ ${change.path}: ${oneLine(change.before)} => ${oneLine(change.after)}`);
    }
    if (row.op === "delete") continue;
    const keys = Object.keys(r.inputs).sort();
    if (options.details) for (const key of keys) detail(`${key}: ${oneLine(r.inputs[key])}`);
    else if (options.unknowns) for (const key of keys.filter((k) => containsUnknown(r.inputs[k]))) detail(`${key}: ${oneLine(r.inputs[key])}`);
  }
  return lines;
}

/** `Resources:` and a line per operation, as `pulumi preview` ends. */
export function summaryLines(rows: readonly TreeRow[]): string[] {
  const count = (op: Op) => rows.filter((r) => r.op === op).length;
  const lines = ["Resources:"];
  if (count("create")) lines.push(`    + ${count("create")} to create`);
  if (count("update")) lines.push(`    ~ ${count("update")} to update`);
  if (count("delete")) lines.push(`    - ${count("delete")} to delete`);
  if (count("same")) lines.push(`    ${count("same")} unchanged`);
  if (lines.length === 1) lines.push("    no resources");
  return lines;
}

/** The program's warnings together, after the tree, as `pulumi preview`'s Diagnostics. */
export function diagnosticsLines(warnings: readonly string[]): string[] {
  if (warnings.length === 0) return [];
  return ["Diagnostics:", ...warnings.map((w) => (w.startsWith("error: ") ? `  ${w}` : `  warning: ${w}`)), ""];
}

export function countByType(resources: readonly TreeResource[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}
