// Loads the built plugin.wasm straight into @extism/extism (run `npm run build:examples` first).
import { describe, expect, test } from "vitest";
import { rawExample } from "../../test-support/raw-example.ts";

const { manifest, load, bytes: call, text } = rawExample(import.meta.url);

describe("c-hello", () => {
  test("get_metadata matches plugin.json", async () => {
    const metadata = JSON.parse(await text(await load(), "get_metadata"));
    expect(metadata).toMatchObject({
      name: manifest.name,
      version: manifest.version,
      description: manifest.description,
      capabilities: manifest.capabilities,
    });
  });

  test("greet, with and without config", async () => {
    expect(await text(await load(), "greet", "Wörld 🌍")).toBe("Hello, Wörld 🌍!");
    expect(await text(await load(), "greet", "")).toBe("Hello, World!");
    expect(await text(await load({ greeting: "Hi" }), "greet", "Bob")).toBe("Hi, Bob!");
  });

  test("init_plugin rejects a greeting over 100 bytes with error_set", async () => {
    await expect(text(await load({ greeting: "x".repeat(101) }), "init_plugin")).rejects.toThrow(/at most 100 bytes/);
    expect(await text(await load({ greeting: "x".repeat(100) }), "init_plugin")).toBe("");
  });

  test("reverse keeps multi-byte characters whole", async () => {
    const plugin = await load();
    expect(await text(plugin, "reverse", "añb 🌍!")).toBe("!🌍 bña");
    expect(await text(plugin, "reverse", "")).toBe("");
    // Invalid UTF-8 still comes back as a permutation of the input bytes.
    const odd = new Uint8Array([0x80, 0x41, 0xff, 0xc3]);
    expect([...(await call(plugin, "reverse", odd))].sort()).toEqual([...odd].sort());
  });

  test("uppercase changes ASCII letters only, across the 8-byte fast path", async () => {
    const input = "hello, wörld! abcdefghijklmnopqrstuvwxyz 🌍";
    expect(await text(await load(), "uppercase", input)).toBe(input.replace(/[a-z]/g, (c) => c.toUpperCase()));
  });

  test("health_check counts calls; cleanup succeeds", async () => {
    const plugin = await load();
    await text(plugin, "reverse", "ab");
    expect(JSON.parse(await text(plugin, "health_check"))).toEqual({ status: "healthy", message: "serving text", metrics: { calls: 1 } });
    expect(await text(plugin, "cleanup")).toBe("");
  });
});
