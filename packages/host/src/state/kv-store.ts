import { HostFailure } from "../host-types.ts";
import { DELETE, key as storageKey, type StorageValue } from "@threadspace/storage";
import { autoCommit, TxMap, type CallTransaction, type StorageLink } from "../transaction.ts";

/** Largest JSON text of one value (64 KiB). */
export const MAX_KV_VALUE_BYTES = 64 * 1024;

const keyOf = (plugin: string, key: string): string => `${plugin}\u0000${key}`;

/** Per-plugin key-value state: each plugin sees only its own keys. Values are JSON. */
export class KvStore {
  readonly #map = new TxMap<string, unknown>();

  /** Stores committed writes through `link` (store `kv`, key `key(plugin, key)`). */
  persist(link: StorageLink): void {
    this.#map.persistence = {
      link,
      writes: (overlay, _tx, out) => {
        for (const [k, value] of overlay) {
          const at = k.indexOf("\u0000");
          out.push({ store: "kv", key: storageKey(k.slice(0, at), k.slice(at + 1)), value: value === undefined ? DELETE : (value as StorageValue) });
        }
      },
    };
  }

  /** Loads stored entries (plugin, key, value) as committed state. */
  restore(entries: Iterable<readonly [plugin: string, key: string, value: unknown]>): void {
    const loaded = new Map<unknown, unknown>();
    for (const [plugin, k, value] of entries) loaded.set(keyOf(plugin, k), value);
    this.#map.apply(loaded);
  }

  get(tx: CallTransaction, plugin: string, key: string): unknown {
    return this.#map.get(tx, keyOf(plugin, key));
  }

  set(tx: CallTransaction, plugin: string, key: string, value: unknown): void {
    const size = JSON.stringify(value)?.length ?? 0;
    if (size > MAX_KV_VALUE_BYTES) throw new HostFailure("too_large", `the value of "${key}" is ${size} bytes of JSON; at most ${MAX_KV_VALUE_BYTES} are allowed`);
    this.#map.set(tx, keyOf(plugin, key), value);
  }

  delete(tx: CallTransaction, plugin: string, key: string): boolean {
    return this.#map.delete(tx, keyOf(plugin, key));
  }

  /** The plugin's keys starting with `prefix`, sorted. */
  keys(tx: CallTransaction, plugin: string, prefix = ""): string[] {
    const start = keyOf(plugin, prefix);
    const out: string[] = [];
    for (const [key] of this.#map.entries(tx)) if (key.startsWith(start)) out.push(key.slice(plugin.length + 1));
    return out.sort();
  }

  /** The embedder's view of one plugin's state (reads and writes commit at once). */
  forPlugin(plugin: string): { get(key: string): unknown; set(key: string, value: unknown): void; delete(key: string): boolean; keys(prefix?: string): string[] } {
    return {
      get: (key) => autoCommit("host", (tx) => this.get(tx, plugin, key)),
      set: (key, value) => autoCommit("host", (tx) => this.set(tx, plugin, key, value)),
      delete: (key) => autoCommit("host", (tx) => this.delete(tx, plugin, key)),
      keys: (prefix) => autoCommit("host", (tx) => this.keys(tx, plugin, prefix)),
    };
  }
}
