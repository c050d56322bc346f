// Loads an example's built plugin.wasm straight into @extism/extism, without the engine (run
// `npm run build:examples` first), for the examples' own tests: the plugin as any Extism host sees it.
import createPlugin, { type Plugin } from "@extism/extism";
import { readFileSync } from "node:fs";
import { afterEach } from "vitest";

/** What a test of one example needs: its plugin.json, fresh instances, and calls as bytes or text. */
export interface RawExample {
  readonly manifest: Record<string, unknown>;
  /** A fresh instance with this Extism config (closed after the test). */
  load(config?: Record<string, string>): Promise<Plugin>;
  /** An export's output bytes (empty when it set none). */
  bytes(plugin: Plugin, fn: string, input?: string | Uint8Array): Promise<Uint8Array>;
  /** An export's output as UTF-8 text. */
  text(plugin: Plugin, fn: string, input?: string | Uint8Array): Promise<string>;
}

/** The example whose `tests/` folder holds the calling test (`import.meta.url`). */
export function rawExample(testUrl: string): RawExample {
  const wasm = readFileSync(new URL("../plugin.wasm", testUrl));
  const manifest = JSON.parse(readFileSync(new URL("../plugin.json", testUrl), "utf8")) as Record<string, unknown>;
  const plugins: Plugin[] = [];
  afterEach(async () => {
    await Promise.all(plugins.splice(0).map((plugin) => plugin.close()));
  });
  const bytes = async (plugin: Plugin, fn: string, input: string | Uint8Array = ""): Promise<Uint8Array> => (await plugin.call(fn, input))?.bytes() ?? new Uint8Array();
  return {
    manifest,
    async load(config = {}) {
      const plugin = await createPlugin({ wasm: [{ data: wasm }], config }, { useWasi: false });
      plugins.push(plugin);
      return plugin;
    },
    bytes,
    text: async (plugin, fn, input = "") => new TextDecoder().decode(await bytes(plugin, fn, input)),
  };
}
