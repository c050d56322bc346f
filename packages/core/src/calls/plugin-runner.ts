import type { Plugin as ExtismPlugin, PluginOutput } from "@extism/extism";
import { ThreadspaceError } from "@threadspace/errors";
import { translateCallError } from "./call-errors.ts";

/**
 * One running plugin instance. Calls are queued because an instance is not reentrant;
 * the next queued call starts as soon as the previous one settles.
 */
export class PluginRunner {
  readonly name: string;
  readonly exports: ReadonlySet<string>;
  readonly #plugin: ExtismPlugin;
  #busy = false;
  #closed = false;
  readonly #waiting: Array<() => void> = [];

  constructor(name: string, plugin: ExtismPlugin, exports: readonly string[]) {
    this.name = name;
    this.#plugin = plugin;
    this.exports = new Set(exports);
  }

  /** Calls an export; resolves with its output bytes (null when it wrote none). */
  call(exportName: string, input: string | Uint8Array): Promise<Uint8Array | null> {
    if (this.#closed) return Promise.reject(new ThreadspaceError("plugin_unavailable", "is unloading; call it again after it is loaded.", { plugin: this.name }));
    if (!this.exports.has(exportName)) return Promise.reject(this.missing(exportName));
    if (!this.#busy) return this.#run(exportName, input);
    return new Promise((resolve, reject) => {
      this.#waiting.push(() => this.#run(exportName, input).then(resolve, reject));
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

  async #run(exportName: string, input: string | Uint8Array): Promise<Uint8Array | null> {
    this.#busy = true;
    try {
      const output: PluginOutput | null = await this.#plugin.call(exportName, input);
      return output === null ? null : output.bytes();
    } catch (cause) {
      throw translateCallError(cause, this.name, exportName);
    } finally {
      this.#busy = false;
      this.#waiting.shift()?.();
    }
  }

  /** Waits for queued calls, then frees the instance (and its WASI state). Later calls are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    await this.#plugin.close();
  }
}
