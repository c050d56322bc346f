import type { Plugin as ExtismPlugin, PluginOutput } from "@extism/extism";
import { ThreadspaceError } from "@threadspace/errors";
import type { CallTransaction } from "@threadspace/host";
import { translateCallError } from "./call-errors.ts";

const EMPTY = new Uint8Array(0);
const toBytes = (output: PluginOutput | null): Uint8Array => (output === null ? EMPTY : output.bytes());

/**
 * One running plugin instance. Calls are queued because an instance is not reentrant;
 * the next queued call starts as soon as the previous one settles. The idle path adds a
 * single promise reaction to Extism's own call (see bench/call-overhead).
 */
export class PluginRunner {
  readonly name: string;
  readonly exports: ReadonlySet<string>;
  readonly #plugin: ExtismPlugin;
  /** Calls served and failed since this instance started. */
  readonly stats: { calls: number; errors: number; lastError?: string } = { calls: 0, errors: 0 };
  #busy = false;
  #closed = false;
  readonly #waiting: Array<() => void> = [];
  readonly #release = (): void => {
    this.#busy = false;
    this.#waiting.shift()?.();
  };

  readonly #begin: (() => CallTransaction) | undefined;
  #tx: CallTransaction | undefined;

  /**
   * @param begin opens the transaction a call's host functions write into (passed to Extism as
   * the call's host context); omitted for plugins that import no host functions.
   */
  constructor(name: string, plugin: ExtismPlugin, exports: readonly string[], begin?: () => CallTransaction) {
    this.name = name;
    this.#plugin = plugin;
    this.exports = new Set(exports);
    this.#begin = begin;
  }

  /**
   * Calls an export and maps its output (null when it wrote none) with `map`, in the same
   * promise reaction that frees the instance for the next call.
   */
  call<T>(exportName: string, input: string | Uint8Array, map: (output: PluginOutput | null) => T): Promise<T> {
    return this.#enqueue(exportName, input, map, true);
  }

  /** Calls an export and returns its output bytes; lifecycle calls use it, so `stats` does not count them. */
  callBytes(exportName: string, input: string | Uint8Array = ""): Promise<Uint8Array> {
    return this.#enqueue(exportName, input, toBytes, false);
  }

  #enqueue<T>(exportName: string, input: string | Uint8Array, map: (output: PluginOutput | null) => T, counted: boolean): Promise<T> {
    if (this.#closed) return Promise.reject(new ThreadspaceError("plugin_unavailable", "is unloading; call it again after it is loaded.", { plugin: this.name }));
    if (!this.exports.has(exportName)) return Promise.reject(this.#fail(this.missing(exportName), exportName, counted));
    if (!this.#busy) return this.#run(exportName, input, map, counted);
    return new Promise((resolve, reject) => {
      this.#waiting.push(() => this.#run(exportName, input, map, counted).then(resolve, reject));
    });
  }

  /** The error for calling an export the module does not have. */
  missing(exportName: string): ThreadspaceError {
    const known = [...this.exports].sort().join(", ") || "none";
    return new ThreadspaceError("export_missing", `has no export "${exportName}". Its exports are: ${known}.`, { plugin: this.name });
  }

  /** Number of calls waiting behind the running one. */
  get queued(): number {
    return this.#waiting.length;
  }

  #fail(cause: unknown, exportName: string, counted: boolean): ThreadspaceError {
    const error = translateCallError(cause, this.name, exportName);
    if (counted) {
      this.stats.errors++;
      this.stats.lastError = error.message;
    }
    return error;
  }

  #run<T>(exportName: string, input: string | Uint8Array, map: (output: PluginOutput | null) => T, counted: boolean): Promise<T> {
    this.#busy = true;
    if (counted) this.stats.calls++;
    // One call runs at a time, so its details live in fields and the reactions below are
    // allocated once per runner, not per call.
    this.#exportName = exportName;
    this.#map = map;
    this.#counted = counted;
    const tx = this.#begin?.();
    this.#tx = tx;
    let pending: Promise<PluginOutput | null>;
    try {
      pending = this.#plugin.call(exportName, input, tx);
    } catch (cause) {
      return new Promise<T>(() => this.#settleError(cause));
    }
    return pending.then(this.#settle as (output: PluginOutput | null) => T, this.#settleError);
  }

  #exportName = "";
  #map: (output: PluginOutput | null) => unknown = () => undefined;
  #counted = false;
  readonly #settle = (output: PluginOutput | null): unknown => {
    const map = this.#map;
    const tx = this.#tx;
    if (tx !== undefined) {
      try {
        tx.commit();
      } catch (cause) {
        return this.#settleError(cause);
      }
    }
    this.#release();
    return map(output);
  };
  readonly #settleError = (cause: unknown): never => {
    this.#tx?.abort();
    const error = this.#fail(cause, this.#exportName, this.#counted);
    this.#release();
    throw error;
  };

  /** Waits for queued calls, then frees the instance (and its WASI state). Later calls are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    await this.#plugin.close();
  }
}
