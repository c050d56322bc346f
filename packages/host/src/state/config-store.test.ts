import { isThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { ConfigStore } from "./config-store.ts";

const schema = { type: "object", properties: { greeting: { type: "string", maxLength: 5 } } };

function caught(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("ConfigStore", () => {
  test("merges overrides over defaults and freezes the result", () => {
    const store = new ConfigStore();
    store.register("p", { greeting: "hi", features: { a: true, b: false } }, schema, { features: { b: true } });
    expect(store.get("p")).toEqual({ greeting: "hi", features: { a: true, b: true } });
    expect(Object.isFrozen(store.get("p"))).toBe(true);
    expect(store.overrides("p")).toEqual({ features: { b: true } });
  });

  test("plan validates without applying; apply keeps it; null removes an override", () => {
    const store = new ConfigStore();
    store.register("p", { greeting: "hi" }, schema);
    const change = store.plan("p", { greeting: "hey", x: 1 });
    expect(store.get("p")).toEqual({ greeting: "hi" });
    store.apply(change);
    expect(store.get("p")).toEqual({ greeting: "hey", x: 1 });
    store.apply(store.plan("p", { greeting: null }));
    expect(store.get("p")).toEqual({ greeting: "hi", x: 1 });
    store.apply(store.planReset("p"));
    expect(store.get("p")).toEqual({ greeting: "hi" });
  });

  test("a bad override is refused with config_invalid naming each path; the config is kept", () => {
    const store = new ConfigStore();
    store.register("p", { greeting: "hi" }, schema);
    const error = caught(() => store.plan("p", { greeting: "far too long", enabled: "yes", fn: () => 1 }));
    expect(isThreadspaceError(error, "config_invalid")).toBe(true);
    if (!isThreadspaceError(error)) return;
    expect(error.issues.map((issue) => issue.path)).toEqual(["$.fn"]);
    const second = caught(() => store.plan("p", { greeting: "far too long", enabled: "yes" }));
    expect(isThreadspaceError(second) && second.issues.map((issue) => issue.path)).toEqual(["$.enabled", "$.greeting"]);
    expect(store.get("p")).toEqual({ greeting: "hi" });
    expect(isThreadspaceError(caught(() => store.plan("p", [1])), "config_invalid")).toBe(true);
  });

  test("defaults that break the schema fail registration", () => {
    const store = new ConfigStore();
    expect(isThreadspaceError(caught(() => store.register("p", { greeting: "toolong" }, schema)), "config_invalid")).toBe(true);
  });

  test("overrides cannot reach a prototype", () => {
    const store = new ConfigStore();
    store.register("p", {});
    store.apply(store.plan("p", JSON.parse('{"__proto__": {"polluted": true}}')));
    expect(Object.getPrototypeOf(store.get("p"))).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(store.get("p"), "__proto__")?.value).toEqual({ polluted: true });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  test("an oversize config is refused", () => {
    const store = new ConfigStore();
    store.register("p", {});
    expect(isThreadspaceError(caught(() => store.plan("p", { big: "x".repeat(300 * 1024) })), "config_invalid")).toBe(true);
  });
});
