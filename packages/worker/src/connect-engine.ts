import * as Comlink from "comlink";
import { CallResult, ThreadspaceError, type EngineHookName, type InstallSource } from "@threadspace/core";
import type { EngineFacade } from "./engine-facade.ts";
import { deserializeThreadspaceError, registerErrorTransfer } from "./error-transfer.ts";
import type { Async, RemoteEngine, RemoteUnsubscribe } from "./remote-engine.ts";
import { hookEventFromWire, replayResultFromWire, type ViewName, type WireHookEvent, type WireInstallSource } from "./wire.ts";

/** What `connectEngine` talks to: a `Worker`, or any comlink endpoint (a `MessagePort`). */
export type EngineEndpoint = Comlink.Endpoint & { terminate?: () => void };

/** Strings are URLs relative to the page; the worker would resolve them against its script. */
function wireSource(source: InstallSource): WireInstallSource {
  if (source instanceof URL) return source.href;
  if (typeof source !== "string") return source;
  const page = (globalThis as { location?: { href: string } }).location?.href;
  return page === undefined ? source : new URL(source, page).href;
}

/** Rejects when the worker fails to load or throws before it is ready. */
function workerFailure(endpoint: EngineEndpoint): { readonly failed: Promise<never>; readonly stop: () => void } {
  let stop = (): void => undefined;
  const failed = new Promise<never>((_, reject) => {
    const onError = (event: Event): void => {
      const detail = (event as { message?: unknown }).message;
      const message = typeof detail === "string" && detail !== "" ? detail : "the worker script failed to load or threw at start";
      reject(new ThreadspaceError("engine_closed", `the engine worker failed: ${message}.`));
    };
    endpoint.addEventListener("error", onError as EventListener);
    stop = () => endpoint.removeEventListener("error", onError as EventListener);
  });
  failed.catch(() => undefined);
  return { failed, stop: () => stop() };
}

/**
 * On the page: connects to an engine that `exposeEngine()` runs in `worker`, and resolves once
 * the engine is ready (rejects if the worker or the engine fails to start).
 *
 * @example
 * const worker = new Worker(new URL("./engine-worker.ts", import.meta.url), { type: "module" });
 * const engine = await connectEngine(worker);
 * await engine.install("/plugins/hello/plugin.json");
 * console.log((await engine.call("hello", "greet", "World")).text());
 */
export async function connectEngine(worker: EngineEndpoint): Promise<RemoteEngine> {
  registerErrorTransfer();
  const remote = Comlink.wrap<EngineFacade>(worker);
  const failure = workerFailure(worker);
  try {
    await Promise.race([remote.ready(), failure.failed]);
  } catch (error) {
    remote[Comlink.releaseProxy]();
    throw error;
  } finally {
    failure.stop();
  }
  return remoteEngine(remote, worker);
}

/** The plugin a trace names (for the replayed output's messages); "" when it names none. */
function tracedPlugin(trace: unknown): string {
  const plugin = (trace as { plugin?: { name?: unknown } } | null)?.plugin?.name;
  return typeof plugin === "string" ? plugin : "";
}

function remoteEngine(remote: Comlink.Remote<EngineFacade>, worker: EngineEndpoint): RemoteEngine {
  let released = false;
  /** After `close()` or `terminate()`, calls reject with `engine_closed` instead of reaching a released proxy. */
  const live = (): Comlink.Remote<EngineFacade> => {
    if (released) throw new ThreadspaceError("engine_closed", "the engine in the worker was closed; connect to a new one.");
    return remote;
  };
  const unsubscribe = (id: number): RemoteUnsubscribe => {
    let done: Promise<void> | undefined;
    return () => (done ??= released ? Promise.resolve() : remote.off(id));
  };
  // Any method name is forwarded and checked in the worker, so the views follow the engine's as they grow.
  const view = <T>(name: ViewName, target?: string): Async<T> =>
    new Proxy({} as Async<T>, {
      get: (_, method) => {
        if (typeof method !== "string" || method === "then") return undefined;
        return async (...args: unknown[]) => (target === undefined ? live().view(name, method, args) : live().view(name, method, args, target));
      },
    });
  return {
    install: async (source, options) => {
      const grant = options?.grant;
      if (typeof grant !== "function") return live().install(wireSource(source), options);
      const { grant: _, ...rest } = options ?? {};
      return live().install(wireSource(source), rest, Comlink.proxy(grant));
    },
    installAll: async (sources) => live().installAll(sources.map(wireSource)),
    call: async (name, exportName, input, options) => {
      const { bytes, fuel, trace } = await live().call(name, exportName, input, options);
      return new CallResult(bytes, name, fuel, trace);
    },
    replay: async (trace, options) => replayResultFromWire(options?.plugin ?? tracedPlugin(trace), await live().replay(trace, options)),
    traces: async (name) => live().traces(name),
    list: async () => live().list(),
    get: async (name) => live().get(name),
    restoreErrors: async () => new Map((await live().restoreErrors()).map(([name, data]) => [name, deserializeThreadspaceError(data)])),
    findByCapability: async (capability) => live().findByCapability(capability),
    health: async (name) => live().health(name),
    debugInfo: async (name) => live().debugInfo(name),
    load: async (name) => live().load(name),
    unload: async (name, options) => live().unload(name, options),
    uninstall: async (name, options) => live().uninstall(name, options),
    logs: async (name, query) => live().logs(name, query),
    onLog: async (handler, filter) => unsubscribe(await live().onLog(Comlink.proxy(handler), filter)),
    setLogLevel: async (name, level) => live().setLogLevel(name, level),
    logLevel: async (name) => live().logLevel(name),
    hook: async <N extends EngineHookName>(name: N, handler: (event: never) => unknown) => {
      const onPage = (wire: WireHookEvent): unknown => handler(hookEventFromWire(name, wire) as never);
      return unsubscribe(await live().hook(name, Comlink.proxy(onPage)));
    },
    kv: (name) => view("kv", name),
    permissions: view("permissions"),
    config: view("config"),
    memories: view("memories"),
    threads: view("threads"),
    events: {
      on: async (pattern, handler) => unsubscribe(await live().eventsOn(pattern, Comlink.proxy(handler))),
      emit: async (topic, payload) => live().eventsEmit(topic, payload),
      stats: async (name) => live().eventsStats(name),
      recent: async (query) => live().eventsRecent(query),
    },
    close: async () => {
      if (released) return;
      try {
        await remote.close();
      } finally {
        released = true;
        remote[Comlink.releaseProxy]();
      }
    },
    terminate: () => {
      if (!released) {
        released = true;
        remote[Comlink.releaseProxy]();
      }
      worker.terminate?.();
    },
  };
}
