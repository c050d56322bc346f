import * as Comlink from "comlink";
import { ThreadspaceError, type CallInput, type CallOptions, type CallTrace, type Engine, type ReplayOptions, type EngineHookName, type EngineLogger, type InstallOptions, type LogEntry, type LogsFilter, type LogsQuery, type LogLevel, type TopicEvent, type UninstallOptions, type UninstallResult, type UnloadOptions } from "@threadspace/core";
import { hookEventToWire, isViewMethod, transferableBytes, type ViewName, type WireHandler, type WireHookEvent, type WireInstallSource, type WireReplayResult } from "./wire.ts";

import { serializeThreadspaceError, type ThreadspaceErrorData } from "./error-transfer.ts";

/** A `grant` policy that is a function (it runs on the page). */
type GrantFunction = Extract<NonNullable<InstallOptions["grant"]>, (...args: never[]) => unknown>;

interface Subscription {
  readonly off: () => void;
  readonly handler: object;
}

/** Lets go of a comlink proxy received from the page (no-op for a plain local function). */
function release(handler: object): void {
  const releaser = (handler as { [Comlink.releaseProxy]?: () => void })[Comlink.releaseProxy];
  if (typeof releaser === "function") releaser();
}

/**
 * What `exposeEngine` exposes: the engine as flat, cloneable calls. The page never sees this
 * shape; `connectEngine` turns it back into a {@link RemoteEngine}. Callbacks arrive as comlink
 * proxies and are released when unsubscribed or when the engine closes.
 */
export class EngineFacade {
  readonly #engine: Promise<Engine>;
  readonly #logger: EngineLogger;
  readonly #subscriptions = new Map<number, Subscription>();
  #nextId = 1;

  constructor(engine: Promise<Engine>, logger: EngineLogger) {
    this.#engine = engine;
    this.#logger = logger;
    // An engine that fails to start is reported by `ready()`; do not leave it unhandled.
    engine.catch(() => undefined);
  }

  /** Resolves once the engine exists (rejects with its creation error). */
  async ready(): Promise<void> {
    await this.#engine;
  }

  /** `grant` comes apart from `options`: comlink proxies a page function only as a top-level argument. */
  async install(source: WireInstallSource, options: InstallOptions = {}, grant?: GrantFunction): ReturnType<Engine["install"]> {
    try {
      return await (await this.#engine).install(source, grant === undefined ? options : { ...options, grant });
    } finally {
      if (grant !== undefined) release(grant);
    }
  }

  async installAll(sources: readonly WireInstallSource[]): ReturnType<Engine["installAll"]> {
    return (await this.#engine).installAll(sources);
  }

  /** The output bytes, transferred (not copied) to the page, the fuel the call used and its trace (plain JSON) when recorded. */
  async call(name: string, exportName: string, input?: CallInput, options?: CallOptions): Promise<{ bytes: Uint8Array; fuel: number | undefined; trace?: CallTrace | undefined }> {
    const result = await (await this.#engine).call(name, exportName, input, options);
    const bytes = transferableBytes(result.bytes);
    return Comlink.transfer({ bytes, fuel: result.fuel, ...(result.trace === undefined ? {} : { trace: result.trace }) }, [bytes.buffer]);
  }

  /** As `engine.replay`, with the replay's output as bytes (the page rebuilds its `CallResult`). */
  async replay(trace: unknown, options?: ReplayOptions): Promise<WireReplayResult> {
    const { output, ...rest } = await (await this.#engine).replay(trace, options);
    return { ...rest, output: output === undefined ? undefined : output.bytes.slice() };
  }

  async traces(name: string): Promise<CallTrace[]> {
    return (await this.#engine).traces(name);
  }

  async list(): Promise<ReturnType<Engine["list"]>> {
    return (await this.#engine).list();
  }

  async get(name: string): Promise<ReturnType<Engine["get"]>> {
    return (await this.#engine).get(name);
  }

  /** `engine.restoreErrors` as cloneable pairs: each plugin that failed to come back from storage, with its error as data. */
  async restoreErrors(): Promise<Array<[string, ThreadspaceErrorData]>> {
    return [...(await this.#engine).restoreErrors].map(([name, error]) => [name, serializeThreadspaceError(error)]);
  }

  async findByCapability(capability: string): Promise<ReturnType<Engine["findByCapability"]>> {
    return (await this.#engine).findByCapability(capability);
  }

  async health(name: string): ReturnType<Engine["health"]> {
    return (await this.#engine).health(name);
  }

  async debugInfo(name: string): ReturnType<Engine["debugInfo"]> {
    return (await this.#engine).debugInfo(name);
  }

  async load(name: string): ReturnType<Engine["load"]> {
    return (await this.#engine).load(name);
  }

  async unload(name: string, options?: UnloadOptions): Promise<void> {
    return (await this.#engine).unload(name, options);
  }

  async uninstall(name: string, options?: UninstallOptions): Promise<UninstallResult> {
    return (await this.#engine).uninstall(name, options);
  }

  async logs(name: string, query?: LogsQuery): Promise<LogEntry[]> {
    return (await this.#engine).logs(name, query);
  }

  async setLogLevel(name: string, level: LogLevel): Promise<void> {
    (await this.#engine).setLogLevel(name, level);
  }

  async logLevel(name: string): Promise<LogLevel> {
    return (await this.#engine).logLevel(name);
  }

  /** Streams log entries to the page (not awaited: a slow page does not hold plugins up). */
  async onLog(handler: WireHandler<LogEntry>, filter?: LogsFilter): Promise<number> {
    const engine = await this.#engine;
    return this.#subscribe(handler, () => engine.onLog((entry) => this.#notify(handler, entry, "onLog"), filter));
  }

  /** Delivers events to the page (not awaited, in publish order). */
  async eventsOn(pattern: string, handler: WireHandler<TopicEvent>): Promise<number> {
    const engine = await this.#engine;
    return this.#subscribe(handler, () => engine.events.on(pattern, (event) => this.#notify(handler, event, `events.on("${pattern}")`)));
  }

  async eventsEmit(topic: string, payload?: unknown): Promise<void> {
    (await this.#engine).events.emit(topic, payload);
  }

  async eventsStats(name: string): Promise<ReturnType<Engine["events"]["stats"]>> {
    return (await this.#engine).events.stats(name);
  }

  async eventsRecent(query?: Parameters<Engine["events"]["recent"]>[0]): Promise<ReturnType<Engine["events"]["recent"]>> {
    return (await this.#engine).events.recent(query);
  }

  /** Hooks are awaited, as in the engine: a `call:before` that throws rejects the call. */
  async hook(name: EngineHookName, handler: WireHandler<WireHookEvent>): Promise<number> {
    const engine = await this.#engine;
    return this.#subscribe(handler, () =>
      engine.hook(name, async (event: Parameters<Parameters<Engine["hook"]>[1]>[0]) => {
        await handler(hookEventToWire(event));
      }),
    );
  }

  /** Removes a subscription made by `onLog`, `eventsOn` or `hook`, and releases its proxy. */
  off(id: number): void {
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined) return;
    this.#subscriptions.delete(id);
    subscription.off();
    release(subscription.handler);
  }

  /** One method of `memories`, `threads`, `config`, `permissions` or `kv(target)`. */
  async view(view: ViewName, method: string, args: readonly unknown[], target?: string): Promise<unknown> {
    const engine = await this.#engine;
    const object: object = view === "kv" ? await engine.kv(target ?? "") : engine[view];
    if (!isViewMethod(object, method)) throw new ThreadspaceError("bad_input", `engine.${view} has no method "${method}".`);
    return (object as Record<string, (...a: readonly unknown[]) => unknown>)[method]?.(...args);
  }

  /** Closes the engine (hooks still see the plugins unload), then releases every callback the page handed over. */
  async close(): Promise<void> {
    try {
      await (await this.#engine).close();
    } finally {
      for (const id of [...this.#subscriptions.keys()]) this.off(id);
    }
  }

  #subscribe(handler: object, subscribe: () => () => void): number {
    const id = this.#nextId++;
    this.#subscriptions.set(id, { off: subscribe(), handler });
    return id;
  }

  #notify<T>(handler: WireHandler<T>, value: T, what: string): void {
    Promise.resolve()
      .then(() => handler(value))
      .catch((error: unknown) => this.#logger.warn(`[threadspace] [worker] a page handler of ${what} failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}
