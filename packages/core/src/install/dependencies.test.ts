import { parseManifest } from "@threadspace/manifest";
import { describe, expect, test } from "vitest";
import { checkDependencies, dependentsOf, planInstallOrder, stopOrder, type InstalledPlugin } from "./dependencies.ts";

const manifest = (name: string, dependencies: string[] = [], version = "1.0.0") => parseManifest({ name, version, dependencies });
const item = (name: string, dependencies: string[] = [], version = "1.0.0") => ({ manifest: manifest(name, dependencies, version) });
const none = () => undefined;

describe("checkDependencies", () => {
  test("passes when every dependency is installed, loaded and in range", () => {
    const installed = new Map<string, InstalledPlugin>([["base", { version: "1.4.0", loaded: true, dependencies: [] }]]);
    expect(() => checkDependencies(manifest("app", ["base@^1.2.0"]), (n) => installed.get(n))).not.toThrow();
  });

  test("names missing, out-of-range and unloaded dependencies with the chain", () => {
    expect(() => checkDependencies(manifest("app", ["base"]), none)).toThrow(/app → base/);
    const old = () => ({ version: "0.9.0", loaded: true, dependencies: [] });
    expect(() => checkDependencies(manifest("app", ["base@^1"]), old)).toThrow(expect.objectContaining({ code: "dependency_version" }));
    const stopped = () => ({ version: "1.0.0", loaded: false, dependencies: [] });
    expect(() => checkDependencies(manifest("app", ["base"]), stopped)).toThrow(/not loaded/);
  });
});

describe("planInstallOrder", () => {
  test("puts dependencies first, keeping unrelated plugins in their order", () => {
    const order = planInstallOrder([item("c", ["b"]), item("x"), item("b", ["a"]), item("a")], none);
    expect(order.map((i) => i.manifest.name)).toEqual(["a", "b", "c", "x"]);
  });

  test("names a cycle, including a two-plugin one", () => {
    expect(() => planInstallOrder([item("a", ["b"]), item("b", ["a"])], none)).toThrow(/a → b → a/);
  });

  test("refuses the same plugin twice and a batch version outside the range", () => {
    expect(() => planInstallOrder([item("a"), item("a")], none)).toThrow(expect.objectContaining({ code: "already_installed" }));
    expect(() => planInstallOrder([item("a", ["b@^2"]), item("b", [], "1.0.0")], none)).toThrow(expect.objectContaining({ code: "dependency_version" }));
  });

  test("accepts dependencies that are already installed", () => {
    const installed = () => ({ version: "1.0.0", loaded: true, dependencies: [] });
    expect(planInstallOrder([item("app", ["base"])], installed)).toHaveLength(1);
  });
});

describe("dependentsOf", () => {
  const plugins = new Map<string, InstalledPlugin>([
    ["a", { version: "1.0.0", loaded: true, dependencies: [] }],
    ["b", { version: "1.0.0", loaded: true, dependencies: ["a@^1"] }],
    ["c", { version: "1.0.0", loaded: true, dependencies: ["b"] }],
    ["d", { version: "1.0.0", loaded: false, dependencies: ["a"] }],
  ]);

  test("lists transitive dependents, deepest first, loaded ones unless asked", () => {
    expect(dependentsOf("a", plugins)).toEqual(["c", "b"]);
    expect(dependentsOf("a", plugins, true)).toEqual(["c", "b", "d"]);
    expect(dependentsOf("c", plugins)).toEqual([]);
  });
});

describe("stopOrder", () => {
  test("puts every plugin before what it depends on, whatever the map's order", () => {
    const plugins = new Map([
      ["c", { dependencies: ["b"] }],
      ["a", { dependencies: [] }],
      ["d", { dependencies: ["a@^1", "c"] }],
      ["b", { dependencies: ["a"] }],
      ["lone", { dependencies: ["missing"] }],
    ]);
    const order = stopOrder(plugins);
    expect([...order].sort()).toEqual(["a", "b", "c", "d", "lone"]);
    const at = (name: string) => order.indexOf(name);
    expect(at("d")).toBeLessThan(at("c"));
    expect(at("c")).toBeLessThan(at("b"));
    expect(at("b")).toBeLessThan(at("a"));
    expect(at("d")).toBeLessThan(at("a"));
  });

  test("is linear: 20,000 plugins in a chain", () => {
    const plugins = new Map(Array.from({ length: 20_000 }, (_, i) => [`p${i}`, { dependencies: i === 0 ? [] : [`p${i - 1}`] }] as const));
    const order = stopOrder(new Map([...plugins].reverse()));
    expect(order[0]).toBe("p19999");
    expect(order.at(-1)).toBe("p0");
  });
});
