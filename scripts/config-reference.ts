// Prints the config reference table of README.md from the presets, so the README cannot drift
// from the code: test/readme.test.ts fails when the two differ. `npm run -s docs:config`.
import { PRESETS } from "../infra/config/presets";
import { PRESET_NAMES, type SettingsSection, settingsSchema } from "../infra/config/schema";

function show(value: unknown): string {
  return value === undefined ? "unset" : `\`${JSON.stringify(value)}\``;
}

export function configReference(): string {
  const rows = ["| key | dev | staging | prod |", "| --- | --- | --- | --- |"];
  const keys: Array<[string, (p: (typeof PRESETS)["dev"]) => unknown]> = [["deletionProtection", (p) => p.deletionProtection]];
  for (const section of Object.keys(PRESETS.prod).filter((k) => k !== "deletionProtection") as SettingsSection[]) {
    for (const key of Object.keys(settingsSchema.shape[section].shape)) {
      keys.push([`${section}.${key}`, (p) => (p[section] as Record<string, unknown>)[key]]);
    }
  }
  for (const [key, get] of keys) rows.push(`| \`${key}\` | ${PRESET_NAMES.map((n) => show(get(PRESETS[n]))).join(" | ")} |`);
  return rows.join("\n");
}

if (require.main === module) process.stdout.write(`${configReference()}\n`);
