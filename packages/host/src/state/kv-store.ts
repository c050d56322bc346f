import { HostFailure } from "../host-types.ts";
import { DELETE, key as storageKey, type StorageValue } from "@threadspace/storage";
import { autoCommit, TxMap, type CallTransaction, type StorageLink } from "../transaction.ts";
import { embedderWrite, type WriteOptions } from "../apis/embedder-call.ts";
import { copyEmbedderInput } from "./embedder-input.ts";

/** The embedder's view of one plugin's key-value state (`engine.kv(name)`). */
export interface KvView {
  get(key: string): unknown;
  /** Sets a value at once (stored behind); with `{ durable: true }`, resolves once it is stored (rejects with `quota_exceeded`, ... keeping nothing). */
  set(key: string, value: unknown, options: WriteOptions): Promise<void>;
  set(key: string, value: unknown): void;
  /** Deletes a key (true if it existed); with `{ durable: true }`, resolves once the delete is stored. */
  delete(key: string, options: WriteOptions): Promise<boolean>;
  delete(key: string): boolean;
  /** The plugin's keys starting with `prefix`, sorted. */
  keys(prefix?: string): string[];
}

/** Largest JSON text of one value (64 KiB). */
export const MAX_KV_VALUE_BYTES = 64 * 1024;

const keyOf = (plugin: string, key: string): string => `${plugin}\u0000${key}`;

/** Per-plugin key-value state: each plugin sees only its own keys. Values are JSON. */
export class KvStore {
  readonly #map = new TxMap<string, unknown>();

  /** Where committed writes are stored (set by `persist`; durable embedder writes commit through it). */
  link: StorageLink | undefined = undefined;

  /** Stores committed writes through `link` (store `kv`, key `key(plugin, key)`). */
  persist(link: StorageLink): void {
    this.link = link;
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
  forPlugin(plugin: string): KvView {
    // (Without `durable`, exactly as before: autoCommit, a HostFailure thrown as it is.)
    const set = (key: string, input: unknown, options?: WriteOptions): void | Promise<void> => {
      let value: unknown;
      try {
        value = copyEmbedderInput(input, `kv("${plugin}").set("${String(key).slice(0, 64)}")`);
      } catch (error) {
        if (options?.durable === true) return Promise.reject(error);
        throw error;
      }
      return options?.durable === true ? embedderWrite("kv.set", this.link, (tx) => this.set(tx, plugin, key, value)) : autoCommit("host", (tx) => this.set(tx, plugin, key, value));
    };
    const remove = (key: string, options?: WriteOptions): boolean | Promise<boolean> =>
      options?.durable === true ? embedderWrite("kv.delete", this.link, (tx) => this.delete(tx, plugin, key)) : autoCommit("host", (tx) => this.delete(tx, plugin, key));
    return {
      get: (key) => autoCommit("host", (tx) => this.get(tx, plugin, key)),
      set: set as KvView["set"],
      delete: remove as KvView["delete"],
      keys: (prefix) => autoCommit("host", (tx) => this.keys(tx, plugin, prefix)),
    };
  }
}
