import * as Comlink from "comlink";
import { ThreadspaceError, createEngine, type Engine, type EngineLogger, type EngineOptions } from "@threadspace/core";
import { EngineFacade } from "./engine-facade.ts";
import { registerErrorTransfer } from "./error-transfer.ts";

/** Options of {@link exposeEngine} beyond the engine's own. */
export interface ExposeOptions {
  /**
   * Worker-side setup that must finish before the page's first request is served, such as
   * `engine.defineHostApi(...)` (host API handlers run in the worker, next to the engine).
   */
  readonly setup?: (engine: Engine) => void | Promise<void>;
  /** Where to listen. Default: the worker's global scope. */
  readonly endpoint?: Comlink.Endpoint;
}

/**
 * Runs in a Web Worker: creates an engine with `createEngine(options)` and exposes it to the
 * page, which reaches it with `connectEngine(worker)`. It listens at once, so the page may
 * connect before the engine is ready; requests wait for `setup`. Resolves with the engine.
 * `options` may be a promise (options the worker reads first, such as trusted keys kept in
 * IndexedDB): the engine is created once it resolves, and a rejection is the engine's start error.
 *
 * @example
 * // engine-worker.ts
 * import { exposeEngine } from "@threadspace/worker";
 * exposeEngine({ grant: true }, {
 *   setup: (engine) => engine.defineHostApi({ name: "clock", permission: "custom:clock", functions: { now: () => Date.now() } }),
 * });
 */
export function exposeEngine(options: EngineOptions | PromiseLike<EngineOptions> = {}, expose: ExposeOptions = {}): Promise<Engine> {
  registerErrorTransfer();
  const { setup } = expose;
  const endpoint = expose.endpoint ?? workerScope(globalThis);
  let logger: EngineLogger = console;
  const engine = Promise.resolve(options).then(async (resolved) => {
    logger = resolved.logger ?? console;
    const created = await createEngine(resolved);
    await setup?.(created);
    return created;
  });
  Comlink.expose(new EngineFacade(engine, forwardTo(() => logger)), endpoint);
  return engine;
}

/** A logger that writes to whichever logger `current` returns at the time (the engine's, once its options are known). */
function forwardTo(current: () => EngineLogger): EngineLogger {
  return {
    trace: (...args) => current().trace(...args),
    debug: (...args) => current().debug(...args),
    info: (...args) => current().info(...args),
    warn: (...args) => current().warn(...args),
    error: (...args) => current().error(...args),
  };
}

/** The worker's global scope as comlink's endpoint; outside a worker (no `postMessage` and listeners) a clear error. */
function workerScope(scope: object): Comlink.Endpoint {
  if (isEndpoint(scope)) return scope;
  throw new ThreadspaceError("bad_input", "exposeEngine listens on a Web Worker's global scope, and this scope cannot receive messages: call it in a Web Worker, or pass { endpoint } (e.g. a MessagePort).");
}

/** True when `value` has what comlink's Endpoint needs: postMessage, addEventListener, removeEventListener. */
function isEndpoint(value: object): value is Comlink.Endpoint {
  const scope = value as Partial<Record<keyof Comlink.Endpoint, unknown>>;
  return typeof scope.postMessage === "function" && typeof scope.addEventListener === "function" && typeof scope.removeEventListener === "function";
}
