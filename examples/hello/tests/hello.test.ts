// Loads the built plugin.wasm straight into @extism/extism (run `npm run build:examples` first).
import { describe, expect, test } from "vitest";
import { rawExample } from "../../test-support/raw-example.ts";

const { manifest, load, text: call } = rawExample(import.meta.url);

describe("hello", () => {
  test("get_metadata matches plugin.json", async () => {
    const metadata = JSON.parse(await call(await load(), "get_metadata"));
    expect(metadata).toMatchObject({
      name: manifest.name,
      version: manifest.version,
      description: manifest.description,
      capabilities: manifest.capabilities,
    });
  });

  test("greets in UTF-8, including non-ASCII names", async () => {
    const plugin = await load();
    expect(await call(plugin, "init_plugin")).toBe("");
    expect(await call(plugin, "greet", "Wörld 🌍")).toBe("Hello, Wörld 🌍!");
    expect(await call(plugin, "greet", "世界")).toBe("Hello, 世界!");
    expect(await call(plugin, "greet", "")).toBe("Hello, World!");
  });

  test("takes the greeting from config", async () => {
    const plugin = await load({ greeting: "Grüß dich" });
    expect(await call(plugin, "greet", "Wörld 🌍")).toBe("Grüß dich, Wörld 🌍!");
  });

  test("init_plugin rejects a greeting over 100 bytes with error_set", async () => {
    const plugin = await load({ greeting: "ü".repeat(51) });
    await expect(call(plugin, "init_plugin")).rejects.toThrow(/config.greeting must be at most 100 bytes/);
  });

  test("health_check counts the calls served; cleanup succeeds", async () => {
    const plugin = await load();
    await call(plugin, "greet", "a");
    await call(plugin, "greet", "b");
    expect(JSON.parse(await call(plugin, "health_check"))).toEqual({
      status: "healthy",
      message: "serving greetings",
      metrics: { calls: 2 },
    });
    expect(await call(plugin, "cleanup")).toBe("");
  });
});
