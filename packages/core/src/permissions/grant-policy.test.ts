import { parseManifest } from "@threadspace/manifest";
import { describe, expect, test } from "vitest";
import { resolveGrants } from "./grant-policy.ts";

const manifest = parseManifest({ name: "p", version: "1.0.0", permissions: ["kv", "log"] });
const granted = async (...args: Parameters<typeof resolveGrants>) => (await resolveGrants(...args)).granted;

describe("resolveGrants", () => {
  test("true, false and lists grant only what was requested", async () => {
    expect(await granted(manifest, undefined, undefined, true)).toEqual(["kv", "log"]);
    expect(await granted(manifest, undefined, undefined, false)).toEqual([]);
    expect(await granted(manifest, undefined, undefined, ["log", "memory:read"])).toEqual(["log"]);
  });

  test("the install's grant beats the embedder's remembered grants, which beat the policy", async () => {
    expect(await resolveGrants(manifest, ["kv"], { permissions: ["log"], explicit: true }, true)).toEqual({ granted: ["kv"], explicit: true });
    expect(await resolveGrants(manifest, undefined, { permissions: ["log"], explicit: true }, false)).toEqual({ granted: ["log"], explicit: true });
  });

  test("grants an earlier policy decided never override the current policy", async () => {
    expect(await resolveGrants(manifest, undefined, { permissions: ["kv", "log"], explicit: false }, false)).toEqual({ granted: [], explicit: false });
    expect(await resolveGrants(manifest, undefined, { permissions: ["kv"], explicit: false }, ["log"])).toEqual({ granted: ["log"], explicit: false });
  });

  test("an async policy function decides; its failure is permission_denied", async () => {
    expect(await granted(manifest, undefined, undefined, async (_m, requested) => requested.filter((p) => p === "kv"))).toEqual(["kv"]);
    await expect(resolveGrants(manifest, undefined, undefined, () => Promise.reject(new Error("no")))).rejects.toMatchObject({ code: "permission_denied" });
  });
});
