import { ThreadspaceError } from "@threadspace/errors";
import { parseManifest } from "@threadspace/manifest";
import { describe, expect, test } from "vitest";
import type { PluginInfo } from "../plugin-info.ts";
import type { PluginRecord } from "../plugin-record.ts";
import { upgradeAll, type RetiredBuild, type UpgradeSteps } from "./plugin-upgrade.ts";

const manifest = (version: string) => parseManifest({ name: "svc", version });
const retired: RetiredBuild = { record: { manifest: manifest("1.0.0") } as PluginRecord, loaded: true, grants: ["kv"], explicitGrants: true, overrides: {}, logLevel: "info", log: undefined };
const initFailed = new ThreadspaceError("init_failed", "init_plugin failed: unreachable", { plugin: "svc" });

/** Steps whose install fails with `installError` (after registering the new build when `registers`), and whose reinstate does `reinstate`. */
function steps(installError: unknown, reinstate: (why: string) => Promise<void>, registers = false): UpgradeSteps & { notes: string[] } {
  let registered = false;
  const notes: string[] = [];
  return {
    notes,
    retire: () => Promise.resolve(retired),
    install: () => {
      registered = registers;
      return Promise.reject(installError);
    },
    registered: () => registered,
    reinstate: (_retired, why) => (notes.push(why), reinstate(why)),
  };
}

describe("upgradeAll", () => {
  test("a new build that fails to start: the old one is reinstated and the error keeps the new build's code and cause", async () => {
    const run = steps(initFailed, () => Promise.resolve());
    const error = await upgradeAll(manifest("2.0.0"), run).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "init_failed", cause: initFailed });
    expect((error as Error).message).toBe("[threadspace] [plugin svc] upgrade to version 2.0.0 was refused: init_plugin failed: unreachable. Version 1.0.0 keeps serving, with its grants, config and data; nothing the new build wrote was kept.");
    expect(run.notes).toEqual([expect.stringMatching(/^upgrade to version 2\.0\.0 was refused/)]);
  });

  test("the same version with another wasm is named as the new build of that version", async () => {
    const error = await upgradeAll(manifest("1.0.0"), steps(initFailed, () => Promise.resolve())).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/upgrade to the new build of version 1\.0\.0 was refused/);
  });

  test("a failure after the new build was registered is not rolled back", async () => {
    const hookFailed = new Error("plugin:install hook failed");
    const run = steps(hookFailed, () => Promise.reject(new Error("must not reinstate")), true);
    await expect(upgradeAll(manifest("2.0.0"), run)).rejects.toBe(hookFailed);
    expect(run.notes).toEqual([]);
  });

  test("an old build that cannot start again is named, and how to load it; a closed engine is said as it is", async () => {
    const stuck = await upgradeAll(manifest("2.0.0"), steps(initFailed, () => Promise.reject(new ThreadspaceError("init_failed", "init_plugin failed: db down", { plugin: "svc" })))).catch((caught: unknown) => caught);
    expect(stuck).toMatchObject({ code: "init_failed", cause: initFailed });
    expect((stuck as Error).message).toMatch(/was refused \(init_plugin failed: unreachable\), and version 1\.0\.0 could not be started again \(init_plugin failed: db down\): .*engine\.load\("svc"\)/);
    const closed = new ThreadspaceError("engine_closed", "the engine is closed; create a new one.");
    await expect(upgradeAll(manifest("2.0.0"), steps(initFailed, () => Promise.reject(closed)))).rejects.toBe(closed);
  });
});
