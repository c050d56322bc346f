import type { ThreadspaceError } from "@threadspace/errors";
import type { CallResult } from "./calls/call-result.ts";
import type { PluginInfo } from "./plugin-info.ts";

/** A call as hooks see it. */
export interface CallEvent {
  readonly plugin: string;
  readonly export: string;
  readonly input: string | Uint8Array;
}

/** The typed lifecycle hooks an embedder can register with `engine.hook(name, fn)`. */
export interface EngineHooks {
  /** After a plugin was installed and started. */
  "plugin:install": (event: { readonly plugin: PluginInfo }) => void | Promise<void>;
  /** After a plugin was unloaded (its `cleanup` ran; `cleanupError` says if it failed). */
  "plugin:unload": (event: { readonly plugin: string; readonly cleanupError?: ThreadspaceError }) => void | Promise<void>;
  /** Before a call runs; throwing here rejects the call with that error. */
  "call:before": (event: CallEvent) => void | Promise<void>;
  /** After a call succeeded. */
  "call:after": (event: CallEvent & { readonly output: CallResult; readonly durationMs: number }) => void | Promise<void>;
  /** After a call failed. */
  "call:error": (event: CallEvent & { readonly error: ThreadspaceError; readonly durationMs: number }) => void | Promise<void>;
}

/** Hook names. */
export type EngineHookName = keyof EngineHooks;

/** A small typed hook registry; `has` lets hot paths skip hooks nobody registered. */
export class Hooks {
  readonly #handlers = new Map<EngineHookName, Array<(event: never) => void | Promise<void>>>();

  /** Registers a handler; returns a function that removes it. */
  hook<N extends EngineHookName>(name: N, handler: EngineHooks[N]): () => void {
    const list = this.#handlers.get(name) ?? [];
    list.push(handler as (event: never) => void);
    this.#handlers.set(name, list);
    this.#refresh();
    return () => {
      const current = this.#handlers.get(name);
      const at = current?.indexOf(handler as (event: never) => void) ?? -1;
      if (current && at !== -1) current.splice(at, 1);
      this.#refresh();
    };
  }

  /** True when a call hook (`call:before`, `call:after`, `call:error`) has a handler: hot paths check this once. */
  watchesCalls = false;

  #refresh(): void {
    this.watchesCalls = this.has("call:before") || this.has("call:after") || this.has("call:error");
  }

  /** True when at least one handler is registered for `name`. */
  has(name: EngineHookName): boolean {
    return (this.#handlers.get(name)?.length ?? 0) > 0;
  }

  /** Runs the handlers of `name` in registration order, awaiting each. */
  async run<N extends EngineHookName>(name: N, event: Parameters<EngineHooks[N]>[0]): Promise<void> {
    for (const handler of [...(this.#handlers.get(name) ?? [])]) await (handler as (e: typeof event) => void | Promise<void>)(event);
  }
}
