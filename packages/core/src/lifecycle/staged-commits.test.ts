import { Host } from "@threadspace/host";
import { describe, expect, test } from "vitest";
import { StagedCommits } from "./staged-commits.ts";

/** A call of `plugin` that writes `key` = `value` through `commits`. */
function write(host: Host, commits: StagedCommits, key: string, value: unknown): void {
  const tx = commits.begin();
  host.state.kv.set(tx, "p", key, value);
  expect(commits.commit(tx)).toBeUndefined();
}

describe("StagedCommits", () => {
  test("holds writes until released, then commits them in order and lets later ones through", async () => {
    const host = new Host();
    const commits = new StagedCommits(host, "p");
    write(host, commits, "schema", 1);
    write(host, commits, "schema", 2);
    expect(host.state.kv.forPlugin("p").get("schema")).toBeUndefined();
    expect(commits.staging).toBe(true);
    await commits.release();
    expect(commits.staging).toBe(false);
    expect(host.state.kv.forPlugin("p").get("schema")).toBe(2);
    write(host, commits, "schema", 3);
    expect(host.state.kv.forPlugin("p").get("schema")).toBe(3);
  });

  test("discard drops every held write and the events they would have published", async () => {
    const host = new Host();
    const commits = new StagedCommits(host, "p");
    const published: string[] = [];
    const tx = commits.begin();
    host.state.kv.set(tx, "p", "schema", 2);
    tx.onCommit(() => published.push("migration.done"));
    commits.commit(tx);
    commits.discard();
    expect(tx.state).toBe("aborted");
    expect(host.state.kv.forPlugin("p").get("schema")).toBeUndefined();
    expect(published).toEqual([]);
  });
});
