// Loads the built plugin.wasm straight into @extism/extism (run `npm run build:examples` first).
import createPlugin, { type Plugin } from "@extism/extism";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";

const wasm = readFileSync(new URL("../plugin.wasm", import.meta.url));
let plugin: Plugin | undefined;
afterEach(async () => {
  await plugin?.close();
});

describe("plain-extism", () => {
  test("echo and count_vowels; no lifecycle exports", async () => {
    plugin = await createPlugin({ wasm: [{ data: wasm }] }, { useWasi: false });
    const input = "Wörld 🌍 0123456789";
    expect((await plugin.call("echo", input))?.text()).toBe(input);
    expect((await plugin.call("echo", ""))?.text() ?? "").toBe("");
    expect((await plugin.call("count_vowels", "Hello, World!"))?.json()).toEqual({ count: 3 });
    for (const name of ["init_plugin", "get_metadata", "health_check", "cleanup"]) {
      expect(await plugin.functionExists(name)).toBe(false);
    }
  });
});
