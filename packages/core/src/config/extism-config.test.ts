import { describe, expect, test } from "vitest";
import { createExtismConfig, syncExtismConfig } from "./extism-config.ts";

describe("Extism config", () => {
  test("strings stay, other values become JSON, and nothing is inherited", () => {
    const config = createExtismConfig({ greeting: "hi", limit: 3, features: { a: true } });
    expect({ ...config }).toEqual({ greeting: "hi", limit: "3", features: '{"a":true}' });
    expect("toString" in config).toBe(false);
    expect(Object.getPrototypeOf(config)).toBeNull();
  });

  test("sync changes the same object in place", () => {
    const config = createExtismConfig({ a: "1", b: "2" });
    const same = config;
    syncExtismConfig(config, { b: "3", __proto__x: "y" });
    expect(same).toBe(config);
    expect({ ...config }).toEqual({ b: "3", __proto__x: "y" });
    syncExtismConfig(config, JSON.parse('{"__proto__": "data"}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(config)).toBeNull();
    expect(config["__proto__"]).toBe("data");
  });
});
