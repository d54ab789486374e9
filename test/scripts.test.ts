import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { skipUnlessInstalled } from "./tools";

const ROOT = path.join(__dirname, "..");
describe("shell scripts", { skip: skipUnlessInstalled("shellcheck", "--version", "apt-get install shellcheck") }, () => {
  it("pass shellcheck: .ci/run and scripts/*.sh", () => {
    const files = [".ci/run", ...readdirSync(path.join(ROOT, "scripts")).filter((f) => f.endsWith(".sh")).map((f) => `scripts/${f}`)];
    assert.ok(files.length >= 3);
    execFileSync("shellcheck", files, { cwd: ROOT, stdio: "pipe" });
  });
});
