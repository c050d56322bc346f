import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

describe("bin/threadspace.js", () => {
  // Runs the real entry point: tsx registration, the `node` condition of core's `#platform`, exit code.
  it("calls examples/hello from a fresh node process (needs npm run build:examples)", () => {
    const result = spawnSync(process.execPath, ["packages/cli/bin/threadspace.js", "call", "examples/hello", "greet", "World"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("Hello, World!");
    expect(result.status).toBe(0);
  });
});
