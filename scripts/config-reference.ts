// Prints the config reference table of README.md from the presets, so the README cannot drift
// from the code: test/readme.test.ts fails when the two differ. `npm run -s docs:config`.
import { PRESETS } from "../infra/config/presets";
import { z } from "zod";
import { PRESET_NAMES, type SettingsSection, settingsSchema } from "../infra/config/schema";

function show(value: unknown): string {
  return value === undefined ? "unset" : `\`${JSON.stringify(value)}\``;
}

export function configReference(): string {
  const rows = ["| key | dev | staging | prod |", "| --- | --- | --- | --- |"];
  const keys: Array<[string, (p: (typeof PRESETS)["dev"]) => unknown]> = [["deletionProtection", (p) => p.deletionProtection]];
  for (const section of Object.keys(PRESETS.prod).filter((k) => k !== "deletionProtection") as SettingsSection[]) {
    for (const [key, field] of Object.entries(settingsSchema.shape[section].shape as Record<string, z.ZodType>)) {
      const get = (p: (typeof PRESETS)["dev"]) => (p[section] as Record<string, unknown>)[key];
      // A nested object (cluster.endpointAccess, sandbox.sessions) gets a row per key, as a section does.
      if (field instanceof z.ZodObject) {
        for (const sub of Object.keys(field.shape)) keys.push([`${section}.${key}.${sub}`, (p) => (get(p) as Record<string, unknown> | undefined)?.[sub]]);
      } else keys.push([`${section}.${key}`, get]);
    }
  }
  for (const [key, get] of keys) rows.push(`| \`${key}\` | ${PRESET_NAMES.map((n) => show(get(PRESETS[n]))).join(" | ")} |`);
  return rows.join("\n");
}

if (require.main === module) process.stdout.write(`${configReference()}\n`);
