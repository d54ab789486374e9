import assert from "node:assert/strict";
import { describe, it } from "node:test";

describe("the agentyard package", () => {
  it("exports the components and config helpers under its own name", () => {
    // Resolved through package.json "exports", as another project's import would be.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require("agentyard") as Record<string, unknown>;
    for (const name of ["Network", "parseStackConfig", "readStackConfig", "ConfigError", "PRESETS", "physicalName", "standardTags", "applyTransform"]) {
      assert.ok(pkg[name], `agentyard exports ${name}`);
    }
  });
});
