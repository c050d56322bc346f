/**
 * The page of idb-engine-kill.ts, bundled with esbuild: an engine on `indexedDbStorage`
 * (durability "strict") with the host-kv fixture, which writes one kv entry per call.
 */
import { createEngine, type Engine } from "@threadspace/core";
import { indexedDbStorage } from "@threadspace/storage";

declare global {
  interface Window {
    ready: boolean;
    /** Starts the engine (installing host-kv once), returns the keys it restored. */
    start(name: string): Promise<{ keys: string[]; restoreErrors: number }>;
    /** One call that writes `key`; resolves once the call resolved. */
    write(key: string, value: number): Promise<unknown>;
  }
}

let engine: Engine | undefined;

window.start = async (name) => {
  engine = await createEngine({ grant: true, storage: indexedDbStorage({ name, durability: "strict" }) });
  if (engine.get("host-kv") === undefined) {
    const [manifest, wasm] = await Promise.all([fetch("/host-kv.json").then((r) => r.json() as Promise<Record<string, unknown>>), fetch("/host-kv.wasm").then((r) => r.arrayBuffer())]);
    await engine.install({ manifest, wasm: new Uint8Array(wasm) });
  }
  return { keys: engine.kv("host-kv").keys(), restoreErrors: engine.restoreErrors.size };
};

window.write = async (key, value) => (await (engine as Engine).call("host-kv", "set", { key, value })).json();
window.ready = true;
