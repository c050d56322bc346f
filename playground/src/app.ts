/**
 * What the views share: the engine (in its worker), the example catalogue, a snapshot of the
 * installed plugins read after every change, the route, the status line, and `run(action)`,
 * which reports an action's success or its typed error and then refreshes every view.
 */
import type { DebugInfo, PluginInfo, ThreadspaceError } from "@threadspace/core";
import type { RemoteEngine } from "@threadspace/worker";
import type { ExampleEntry } from "./catalog.ts";
import { h, replace } from "./dom.ts";
import { errorBox } from "./error-view.ts";
import { parseRoute, routeHash, type Route } from "./route.ts";
import { changed, healthSamples, statsSample, type StatsSample } from "./store/health-sample.ts";

/** What the engine said at the last refresh. */
export interface Snapshot {
  readonly plugins: readonly PluginInfo[];
  readonly restoreErrors: ReadonlyMap<string, ThreadspaceError>;
  /** `engine.debugInfo` per loaded plugin (status, observations, where it runs); missing when it failed. */
  readonly debug: ReadonlyMap<string, DebugInfo>;
}

/** The playground's shared state. */
export interface App {
  readonly engine: RemoteEngine;
  readonly catalog: readonly ExampleEntry[];
  snapshot: Snapshot;
  /** Where the page is (the URL's hash). */
  readonly route: Route;
  /** Goes to `route` (a new history entry), keeping the status line (it reports what led there). */
  go(route: Route): void;
  /** True once after `go`: the router keeps the status line for that one route change, and clears it for the person's own navigation. */
  takeKeepStatus(): boolean;
  /** The installed plugin `name`, as of the last refresh. */
  info(name: string): PluginInfo | undefined;
  /** Registers a listener called after every refresh; returns its remover. */
  onRefresh(listener: () => void): () => void;
  /** Reads the engine's state again, then tells every listener. Concurrent calls share one read. */
  refresh(): Promise<void>;
  /** Runs an action named `where`; shows its message, or its error, in the status line, then refreshes. */
  run(where: string, action: () => Promise<string> | string): Promise<boolean>;
  /** Shows a message or error in the status line. */
  status(...content: Node[]): void;
}

const EMPTY: Snapshot = { plugins: [], restoreErrors: new Map(), debug: new Map() };

/** Reads what the views show from the engine (one round trip per plugin for debugInfo). */
async function readSnapshot(engine: RemoteEngine): Promise<Snapshot> {
  const [plugins, restoreErrors] = await Promise.all([engine.list(), engine.restoreErrors()]);
  const debug = new Map<string, DebugInfo>();
  await Promise.all(
    plugins.map(async (info) => {
      const found = await engine.debugInfo(info.name).catch(() => undefined);
      if (found !== undefined) debug.set(info.name, found);
    }),
  );
  return { plugins, restoreErrors, debug };
}

/** Creates the shared state; `statusRegion` is an `aria-live` region. */
export function createApp(engine: RemoteEngine, catalog: readonly ExampleEntry[], statusRegion: HTMLElement): App {
  const listeners = new Set<() => void>();
  const lastSample = new Map<string, StatsSample>();
  let reading: Promise<void> | undefined;
  let keepStatus = false;
  let again = false;

  /** Keeps a health sample of each plugin whose calls, circuit or status moved since the last one. */
  const sample = async (snapshot: Snapshot): Promise<void> => {
    const at = Date.now();
    const adds: Promise<void>[] = [];
    for (const info of snapshot.debug.values()) {
      const next = statsSample(info, at);
      if (next === undefined || !changed(lastSample.get(info.name), next)) continue;
      const first = !lastSample.has(info.name);
      lastSample.set(info.name, next);
      if (first && next.calls === 0) continue; // nothing to chart yet
      adds.push(healthSamples.add(next).catch(() => undefined));
    }
    await Promise.all(adds);
  };

  const status = (...content: Node[]): void => {
    replace(statusRegion, ...content, content.length === 0 ? null : h("button", { type: "button", class: "dismiss", onclick: () => replace(statusRegion), "aria-label": "Dismiss the message" }, "×"));
  };

  const app: App = {
    engine,
    catalog,
    snapshot: EMPTY,
    get route() {
      return parseRoute(location.hash);
    },
    go(route) {
      const hash = routeHash(route);
      if (location.hash === hash) return;
      keepStatus = true;
      location.hash = hash;
    },
    takeKeepStatus() {
      const kept = keepStatus;
      keepStatus = false;
      return kept;
    },
    info: (name) => app.snapshot.plugins.find((info) => info.name === name),
    onRefresh(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refresh() {
      if (reading !== undefined) {
        again = true;
        return reading;
      }
      reading = (async () => {
        do {
          again = false;
          app.snapshot = await readSnapshot(engine);
          await sample(app.snapshot);
          for (const listener of [...listeners]) listener();
        } while (again);
      })().finally(() => {
        reading = undefined;
      });
      return reading;
    },
    async run(where, action) {
      status(h("p", { class: "busy" }, `${where}…`));
      try {
        const message = await action();
        status(h("p", { class: "ok" }, message));
        return true;
      } catch (error) {
        status(errorBox(error, where));
        return false;
      } finally {
        await app.refresh().catch(() => undefined);
      }
    },
    status,
  };
  return app;
}
