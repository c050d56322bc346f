import type { ServeWasi } from "../wasi/served-wasi.ts";
/**
 * What the engine needs from the runtime it runs on. One implementation per runtime,
 * chosen by the `#platform` import condition in package.json (node, or web for browsers and workerd).
 */
export interface Platform {
  /** Runtime name, for messages. */
  readonly name: "node" | "web";
  /**
   * Turns a string install source into the URL of a plugin.json: a bundle directory or
   * plugin.json path in Node, a URL (relative to the page) in browsers.
   */
  locateManifest(source: string): Promise<URL>;
  /** Lowercase hex sha256 (Node hashes synchronously: WebCrypto's thread-pool hop costs more than a small module's hash). */
  sha256Hex(bytes: Uint8Array): Promise<string>;
  /** True when both hold the same bytes; a native comparison where the runtime has one (Node's memcmp), else absent. */
  equalBytes?: ((a: Uint8Array, b: Uint8Array) => boolean) | undefined;
  /**
   * Reads at most `maxBytes` from a URL; throws an Error with the reason otherwise. `within`: the
   * bundle's folder; in Node a `file:` URL must then resolve (symlinks followed) inside it, and
   * only regular files are read (see `read-file.ts`).
   */
  readBytes(url: URL, maxBytes: number, within?: URL): Promise<Uint8Array>;
  /**
   * Loads @extism/extism (once). Node loads it without letting its `node:wasi` import print an
   * ExperimentalWarning on the embedder's terminal; elsewhere it is a plain import.
   */
  loadExtism(): Promise<CreateExtismPlugin>;
  /**
   * The `execArgv` of Extism's `runInWorker` workers (transport `"extism"`) where this runtime
   * refuses Extism's default (Deno: `[]`); absent, Extism's default stands.
   */
  readonly extismWorkerExecArgv?: readonly string[];
  /** How many threads can run at once here (at least 1): the default size of a worker pool. */
  cores(): number;
  /** The engine's own WASI (output to the log, read-only mounts); Node only (wasi/served-wasi.ts). */
  readonly serveWasi?: ServeWasi;
}

/** @extism/extism's `createPlugin`, as {@link Platform.loadExtism} returns it. */
export type CreateExtismPlugin = typeof import("@extism/extism").default;
