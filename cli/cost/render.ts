import type { CostEstimate } from "./estimate";

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The estimate as text: per component, per resource (largest first), what is unpriced, the total. */
export function costText(e: CostEstimate): string {
  const out = [`Monthly estimate in USD, ${e.region}, prices as of ${e.priceTableDate}:`, "", "  by component:"];
  const components = Object.entries(e.byComponent).sort((a, b) => b[1] - a[1]);
  const width = Math.max(...components.map(([c]) => c.length), 10);
  for (const [component, total] of components) out.push(`    ${component.padEnd(width)}  ${usd(total).padStart(10)}`);
  out.push("", "  by resource:");
  const lines = [...e.lines].filter((l) => l.monthlyUsd > 0).sort((a, b) => b.monthlyUsd - a.monthlyUsd);
  const nameWidth = Math.max(...lines.map((l) => l.name.length), 10);
  for (const l of lines) out.push(`    ${l.name.padEnd(nameWidth)}  ${usd(l.monthlyUsd).padStart(10)}  ${l.basis}`);
  if (e.unpriced.length) {
    out.push("", "  unpriced (not counted; priced by usage this table does not know):");
    for (const u of e.unpriced) out.push(`    ${u.name}  ${u.type}${u.reason ? `  (${u.reason})` : ""}`);
  }
  out.push("", `  assumptions: ${Object.entries(e.assumptions).map(([k, v]) => `${k}=${v}`).join(", ")} (override with agentyard:cost)`);
  if (e.maximum.lines.length) {
    out.push("", "  at maximum scale (every autoscaler at its maximum), these lines change:");
    const width = Math.max(...e.maximum.lines.map((l) => l.name.length), 10);
    for (const l of e.maximum.lines) out.push(`    ${l.name.padEnd(width)}  ${usd(l.monthlyUsd).padStart(10)}  ${l.basis}`);
  }
  out.push(`  total: ${usd(e.totalMonthlyUsd)} a month at minimum scale, ${usd(e.maximum.totalMonthlyUsd)} at maximum scale`);
  return out.join("\n");
}
