import type { Plugin, PluginOutput } from "@extism/extism";
import { isThreadspaceError, type ThreadspaceError } from "@threadspace/errors";
import { classifyExtismError, guestError } from "./extism-errors.ts";
import type { CallOptions, CallOutcome, Instance } from "./instance.ts";

const PAGE = 65536;

/**
 * A plugin instantiated by @extism/extism on the engine's thread (`inline` isolation): the fastest
 * mode, for trusted plugins and for hosts without workers. Nothing can stop a call that never
 * returns here (a metered module stops itself at its budget or deadline).
 */
export class InlineInstance implements Instance {
  readonly #name: string;
  readonly #plugin: Plugin;
  readonly #memory: WebAssembly.Memory | undefined;
  /** The export in flight, for errors (one call at a time). */
  #exportName = "";

  /** `memory`: the guest's exported memory, read for {@link memoryPages}. */
  constructor(name: string, plugin: Plugin, memory: WebAssembly.Memory | undefined) {
    this.#name = name;
    this.#plugin = plugin;
    this.#memory = memory;
  }

  call(exportName: string, input: string | Uint8Array, options?: CallOptions): Promise<CallOutcome> {
    this.#exportName = exportName;
    return this.#plugin.call(exportName, input, options?.tx).then(this.#done, this.#failed);
  }

  readonly #done = (output: PluginOutput | null): CallOutcome => ({ output: output === null ? null : output.bytes(), fuelUsed: undefined });

  readonly #failed = (cause: unknown): never => {
    throw this.#typed(cause);
  };

  #typed(cause: unknown): ThreadspaceError {
    // A host function may stop the call with the engine's own error (a limit, a deadline): keep it.
    if (isThreadspaceError(cause)) return cause;
    return guestError(classifyExtismError(cause), this.#name, this.#exportName, cause);
  }

  get memoryPages(): number | undefined {
    return this.#memory === undefined ? undefined : this.#memory.buffer.byteLength / PAGE;
  }

  /** An inline instance never stops by itself. */
  onExit(): void {}

  close(): Promise<void> {
    return this.#plugin.close();
  }
}
