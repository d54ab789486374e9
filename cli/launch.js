#!/usr/bin/env node
// `npm run plan` in this repository: the CLI's TypeScript sources (and the program's) run with
// no build step and without tsx. tsx routes every module through Node's ESM loader hooks and turns
// on source maps (Pulumi takes a stack trace per promise), which cost seconds per plan; here a
// CommonJS require hook has esbuild strip the types, once per file content (cached under
// node_modules/.cache), and V8 caches the compiled code where Node offers it (22 and later).
// The published bin (dist/cli/bin.js) is compiled ahead and needs none of this.
"use strict";
const Module = require("node:module");
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const path = require("node:path");

if (typeof Module.enableCompileCache === "function") Module.enableCompileCache();
const cacheDir = path.join(__dirname, "..", "node_modules", ".cache", "agentyard-launch");
let esbuild;
Module._extensions[".ts"] = (module, filename) => {
  const source = readFileSync(filename, "utf8");
  const key = createHash("sha256").update(`1\0${filename}\0${source}`).digest("hex").slice(0, 32);
  const cached = path.join(cacheDir, `${key}.js`);
  let code;
  try {
    code = readFileSync(cached, "utf8");
  } catch {
    esbuild ??= require("esbuild");
    code = esbuild.transformSync(source, { loader: "ts", format: "cjs", target: "node20", sourcefile: filename, sourcemap: "inline" }).code;
    try {
      mkdirSync(cacheDir, { recursive: true });
      const partial = `${cached}.${process.pid}`;
      writeFileSync(partial, code);
      renameSync(partial, cached);
    } catch {
      // A read-only checkout plans as well, only without the cache.
    }
  }
  module._compile(code, filename);
};
require("./bin.ts");
