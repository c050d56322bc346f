import { PermissionTable } from "@threadspace/host";
import { describe, expect, test } from "vitest";
import { rememberGrants } from "./remember-grants.ts";

describe("rememberGrants", () => {
  test("identity records are taken as stored; an older engine's sha256 record goes only to the stored bundle with that hash", () => {
    const table = new PermissionTable();
    rememberGrants(
      table,
      new Map([
        ["a@sha256:aa", { permissions: ["kv"], explicit: true }],
        ["sha256:bb", { permissions: ["log"] }],
      ] as const),
      new Map([["b", { hash: "sha256:bb" }]]),
    );
    expect(table.remembered("a", "sha256:aa")).toEqual({ permissions: ["kv"], explicit: true });
    expect(table.remembered("b", "sha256:bb")).toEqual({ permissions: ["log"], explicit: true });
    expect(table.remembered("impostor", "sha256:bb")).toBeUndefined();
    expect(table.remembered("impostor", "sha256:aa")).toBeUndefined();
  });

  test("grants a policy decided are not loaded: they are never reused, so an uninstalled plugin's would only take memory", () => {
    const table = new PermissionTable();
    rememberGrants(table, new Map([["a@sha256:aa", { permissions: ["kv"], explicit: false }], ["b@sha256:bb", { permissions: ["kv"] }]] as const), new Map());
    expect(table.remembered("a", "sha256:aa")).toBeUndefined();
    expect(table.remembered("b", "sha256:bb")).toBeUndefined();
  });
});
