import { parseManifest } from "@threadspace/manifest";
import { describe, expect, test } from "vitest";
import { resolveGrants } from "./grant-policy.ts";

const manifest = parseManifest({ name: "p", version: "1.0.0", permissions: ["kv", "log"] });

describe("resolveGrants", () => {
  test("true, false and lists grant only what was requested", async () => {
    expect(await resolveGrants(manifest, undefined, undefined, true)).toEqual(["kv", "log"]);
    expect(await resolveGrants(manifest, undefined, undefined, false)).toEqual([]);
    expect(await resolveGrants(manifest, undefined, undefined, ["log", "memory:read"])).toEqual(["log"]);
  });

  test("the install's grant beats remembered grants, which beat the policy", async () => {
    expect(await resolveGrants(manifest, ["kv"], ["log"], true)).toEqual(["kv"]);
    expect(await resolveGrants(manifest, undefined, ["log"], true)).toEqual(["log"]);
  });

  test("an async policy function decides; its failure is permission_denied", async () => {
    expect(await resolveGrants(manifest, undefined, undefined, async (_m, requested) => requested.filter((p) => p === "kv"))).toEqual(["kv"]);
    await expect(resolveGrants(manifest, undefined, undefined, () => Promise.reject(new Error("no")))).rejects.toMatchObject({ code: "permission_denied" });
  });
});
