// Loads the built plugin.wasm straight into @extism/extism (run `npm run build:examples` first).
import { describe, expect, test } from "vitest";
import { rawExample } from "../../test-support/raw-example.ts";

const { manifest, load, text: call } = rawExample(import.meta.url);

describe("count-vowels", () => {
  test("get_metadata matches plugin.json", async () => {
    const metadata = JSON.parse(await call(await load(), "get_metadata"));
    expect(metadata).toMatchObject({ name: manifest.name, version: manifest.version, capabilities: manifest.capabilities });
  });

  test("counts vowels and keeps a running total", async () => {
    const plugin = await load();
    expect(await call(plugin, "init_plugin")).toBe("");
    expect(JSON.parse(await call(plugin, "count_vowels", "Hello, World!"))).toEqual({ count: 3, total: 3, vowels: "aeiouAEIOU" });
    expect(JSON.parse(await call(plugin, "count_vowels", "Ünïcödé AEIOU 🌍"))).toEqual({ count: 5, total: 8, vowels: "aeiouAEIOU" });
    expect(JSON.parse(await call(plugin, "count_vowels", ""))).toEqual({ count: 0, total: 8, vowels: "aeiouAEIOU" });
    expect(JSON.parse(await call(plugin, "health_check"))).toMatchObject({ status: "healthy", metrics: { calls: 3, total: 8 } });
  });

  test("takes the vowel set from config, any code points, JSON-escaped in the output", async () => {
    const plugin = await load({ vowels: 'äö"🌍' });
    expect(JSON.parse(await call(plugin, "count_vowels", 'äöü 🌍 "'))).toEqual({ count: 4, total: 4, vowels: 'äö"🌍' });
  });
});
