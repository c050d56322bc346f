import { describe, expect, test } from "vitest";
import { LogStore, MAX_LOG_FIELDS_CHARS, MAX_LOG_MESSAGE_CHARS, type LogEntry } from "./log-store.ts";

describe("LogStore", () => {
  test("keeps the newest entries up to its capacity, seq 1, 2, 3, ...", () => {
    const logs = new LogStore(3);
    logs.open("p", "trace");
    for (let i = 1; i <= 5; i++) logs.append("p", "info", `m${i}`);
    expect(logs.read("p").map((entry) => [entry.seq, entry.message])).toEqual([[3, "m3"], [4, "m4"], [5, "m5"]]);
    expect(logs.read("p", { since: 4 }).map((entry) => entry.seq)).toEqual([5]);
  });

  test("drops entries below the plugin's level; the level changes live", () => {
    const logs = new LogStore();
    logs.open("p", "warn");
    expect(logs.append("p", "info", "dropped")).toBeUndefined();
    logs.append("p", "error", "kept");
    logs.setLevel("p", "debug");
    logs.append("p", "debug", "now kept");
    logs.setLevel("p", "silent");
    logs.append("p", "error", "silenced");
    expect(logs.read("p").map((entry) => entry.message)).toEqual(["kept", "now kept"]);
    expect(logs.read("p", { level: "error" }).map((entry) => entry.message)).toEqual(["kept"]);
  });

  test("a kept log goes on receiving entries, outlives forget, and restore makes it the plugin's log again at a level", () => {
    const store = new LogStore();
    store.open("p", "debug");
    store.append("p", "info", "old build");
    const kept = store.keep("p");
    if (kept === undefined) throw new Error("expected a log to keep");
    store.append("p", "error", "new build failed");
    store.forget("p");
    store.open("p", "warn");
    expect(store.read("p")).toEqual([]);
    store.restore(kept, "info");
    expect(store.read("p").map((entry) => [entry.seq, entry.message])).toEqual([[1, "old build"], [2, "new build failed"]]);
    expect(store.level("p")).toBe("info");
    expect(store.append("p", "info", "again")?.seq).toBe(3);
    expect(store.keep("nobody")).toBeUndefined();
  });

  test("resize keeps the newest entries", () => {
    const logs = new LogStore(4);
    logs.open("p", "trace");
    for (let i = 1; i <= 6; i++) logs.append("p", "info", `m${i}`);
    logs.resize(2);
    expect(logs.read("p").map((entry) => entry.message)).toEqual(["m5", "m6"]);
    logs.resize(3);
    logs.append("p", "info", "m7");
    logs.append("p", "info", "m8");
    expect(logs.read("p").map((entry) => entry.message)).toEqual(["m6", "m7", "m8"]);
    expect(() => logs.resize(0)).toThrow(RangeError);
  });

  test("caps messages and fields", () => {
    const logs = new LogStore();
    logs.open("p", "trace");
    const long = logs.append("p", "info", "x".repeat(MAX_LOG_MESSAGE_CHARS + 10));
    expect(long?.message.startsWith("x".repeat(MAX_LOG_MESSAGE_CHARS))).toBe(true);
    expect(long?.message).toMatch(/cut: 4106 characters in all/);
    const fat = logs.append("p", "info", "m", { blob: "y".repeat(MAX_LOG_FIELDS_CHARS) });
    expect(Object.keys(fat?.fields ?? {})).toEqual(["$dropped"]);
    const ok = logs.append("p", "info", "m", { n: 1 });
    expect(ok?.fields).toEqual({ n: 1 });
    expect(Object.isFrozen(ok?.fields)).toBe(true);
  });

  test("listeners get kept entries, filtered; a throwing listener is reported, not thrown", () => {
    const logs = new LogStore();
    logs.open("a", "trace");
    logs.open("b", "trace");
    const seen: LogEntry[] = [];
    const failures: unknown[] = [];
    logs.onListenerError = (error) => failures.push(error);
    const off = logs.subscribe((entry) => seen.push(entry), { plugin: "a", level: "warn" });
    logs.subscribe(() => {
      throw new Error("listener broke");
    });
    logs.append("a", "info", "quiet");
    logs.append("a", "warn", "loud");
    logs.append("b", "error", "other plugin");
    off();
    logs.append("a", "error", "after off");
    expect(seen.map((entry) => entry.message)).toEqual(["loud"]);
    expect(failures).toHaveLength(4);
  });

  test("bindLevel reports the level now and on every change", () => {
    const logs = new LogStore();
    logs.open("p", "warn");
    const levels: string[] = [];
    logs.bindLevel("p", (level) => levels.push(level));
    logs.setLevel("p", "trace");
    logs.open("p", "error");
    expect(levels).toEqual(["warn", "trace", "error"]);
  });

  test("unknown plugins log nothing; forget drops a log", () => {
    const logs = new LogStore();
    expect(logs.append("ghost", "error", "x")).toBeUndefined();
    logs.open("p", "trace");
    logs.append("p", "info", "x");
    logs.forget("p");
    expect(logs.read("p")).toEqual([]);
    expect(logs.level("p")).toBe("silent");
  });
});
