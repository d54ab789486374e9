import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const ROOT = path.join(__dirname, "..");
const found = (() => {
  try {
    execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("shell scripts", { skip: !found && process.env.CI !== "true" ? "shellcheck is not installed (apt-get install shellcheck)" : false }, () => {
  it("pass shellcheck: .ci/run and scripts/*.sh", () => {
    const files = [".ci/run", ...readdirSync(path.join(ROOT, "scripts")).filter((f) => f.endsWith(".sh")).map((f) => `scripts/${f}`)];
    assert.ok(files.length >= 3);
    execFileSync("shellcheck", files, { cwd: ROOT, stdio: "pipe" });
  });
});
