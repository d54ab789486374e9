import type * as Esbuild from "esbuild";
import { existsSync, readFileSync, statSync } from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { type PulumiProject, StackFileError } from "./stack-file";

/*
 * A project's program, loaded the way Pulumi's Node.js runtime loads it: `main` (a file, or a
 * directory with package.json `main` or an index), TypeScript compiled on the fly, the module's
 * exports as the stack outputs, and a default-exported function called (its result awaited).
 */

/** The entry file of `main`: the file itself, or in a directory package.json's `main`, or index.ts/js. */
export function entryOf(project: PulumiProject): string {
  const main = project.main;
  if (!existsSync(main)) throw new StackFileError(`The program ${main} (main in ${path.join(project.dir, "Pulumi.yaml")}) does not exist`);
  if (!statSync(main).isDirectory()) return main;
  const pkg = path.join(main, "package.json");
  const candidates: string[] = [];
  if (existsSync(pkg)) {
    const declared = (JSON.parse(readFileSync(pkg, "utf8")) as { main?: unknown }).main;
    if (typeof declared === "string") candidates.push(path.resolve(main, declared), ...[".ts", ".js"].map((ext) => path.resolve(main, declared) + ext));
  }
  candidates.push(...["index.ts", "index.js", "index.mts", "index.mjs"].map((f) => path.join(main, f)));
  const found = candidates.find((f) => existsSync(f) && statSync(f).isFile());
  if (!found) throw new StackFileError(`No program in ${main}: no package.json main and no index.ts or index.js`);
  return found;
}

/**
 * Lets `require` load TypeScript when nothing else does (the compiled CLI; under tsx, tsx does):
 * esbuild strips the types, as ts-node in transpile-only mode, which Pulumi uses by default, would.
 */
function registerTypeScript(): void {
  const extensions = (Module as unknown as { _extensions: Record<string, (module: Module, filename: string) => void> })._extensions;
  if (extensions[".ts"]) return;
  // Loaded only here: the compiled CLI needs it only for a TypeScript program.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { transformSync } = require("esbuild") as typeof Esbuild;
  extensions[".ts"] = (module, filename) => {
    const { code } = transformSync(readFileSync(filename, "utf8"), { loader: "ts", format: "cjs", target: "node20", sourcefile: filename, sourcemap: "inline" });
    (module as unknown as { _compile(code: string, filename: string): void })._compile(code, filename);
  };
}

/** A function that runs the program once and returns its outputs (what `evaluate` takes). */
export function programOf(project: PulumiProject): () => Promise<unknown> {
  const entry = entryOf(project);
  return async () => {
    if (/\.[mc]?ts$/.test(entry)) registerTypeScript();
    let exported: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exported = require(entry);
    } catch (error) {
      if ((error as { code?: string }).code !== "ERR_REQUIRE_ESM") throw error;
      exported = await import(pathToFileURL(entry).href);
    }
    // A program may export a function (`export = async () => ...`, or as its default): Pulumi calls it.
    const main = typeof exported === "function" ? exported : (exported as { default?: unknown } | undefined)?.default;
    return typeof main === "function" ? await (main as () => unknown)() : exported;
  };
}
