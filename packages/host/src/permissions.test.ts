import { describe, expect, test } from "vitest";
import { PermissionTable, grantIdentity } from "./permissions.ts";

describe("PermissionTable: what outlives forget", () => {
  test("forget drops the live grants and what a policy decided; what the embedder granted stays remembered for the identity", () => {
    const table = new PermissionTable();
    table.assign("policy", "sha256:aa", ["kv"], false);
    table.assign("embedder", "sha256:bb", ["log"], true);
    table.forget("policy");
    table.forget("embedder");
    expect(table.list("policy")).toEqual([]);
    expect(table.hashOf("policy")).toBeUndefined();
    expect(table.identityOf("embedder")).toBeUndefined();
    expect(table.remembered("policy", "sha256:aa")).toBeUndefined();
    expect(table.remembered("embedder", "sha256:bb")).toEqual({ permissions: ["log"], explicit: true });
  });

  test("a grant the embedder changes itself becomes explicit and is kept by forget", () => {
    const table = new PermissionTable();
    table.assign("p", "sha256:aa", [], false);
    table.grant("p", ["kv"]);
    expect(table.explicit("p")).toBe(true);
    table.forget("p");
    expect(table.remembered("p", "sha256:aa")).toEqual({ permissions: ["kv"], explicit: true });
  });

  test("forgetRemembered drops every build's grants under the name, and only that name's", () => {
    const table = new PermissionTable();
    table.assign("p", "sha256:aa", ["kv"], true);
    table.remember(grantIdentity("p", "sha256:bb"), ["log"], true);
    table.remember(grantIdentity("p2", "sha256:aa"), ["kv"], true);
    table.forget("p");
    expect(table.forgetRemembered("p").sort()).toEqual(["p@sha256:aa", "p@sha256:bb"]);
    expect(table.remembered("p", "sha256:aa")).toBeUndefined();
    expect(table.remembered("p", "sha256:bb")).toBeUndefined();
    expect(table.remembered("p2", "sha256:aa")).toEqual({ permissions: ["kv"], explicit: true });
    expect(table.forgetRemembered("p")).toEqual([]);
  });

  test("an identity is split at its last @: a name with an @ keeps its grants apart from a shorter name", () => {
    const table = new PermissionTable();
    table.remember("a@b@sha256:cc", ["kv"], true);
    expect(table.remembered("a@b", "sha256:cc")).toEqual({ permissions: ["kv"], explicit: true });
    expect(table.forgetRemembered("a")).toEqual([]);
    expect(table.forgetRemembered("a@b")).toEqual(["a@b@sha256:cc"]);
  });
});
