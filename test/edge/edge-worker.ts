/**
 * The worker the edge suite runs in workerd (bundled by build-worker.ts). Each POST / runs a
 * list of steps on a fresh engine and replies with one result per step, so the assertions stay
 * on the Node side. The plugins' wasm arrives as precompiled `WebAssembly.Module`s (module rule
 * `CompiledWasm`), as workerd requires.
 */
import { createEngine, isThreadspaceError, type EngineOptions, type InstallOptions, type PluginInfo } from "@threadspace/core";
import type { StorageDriver } from "@threadspace/storage";
import { canSuspend } from "@threadspace/host";

/** A plugin the worker was bundled with: its plugin.json and its compiled module. */
export interface BundledPlugin {
  readonly manifest: Record<string, unknown>;
  readonly module: WebAssembly.Module;
}

/** One step of a request. `plugin` names a bundled plugin. */
export type EdgeStep =
  | { readonly op: "install"; readonly plugin: string; readonly manifest?: Record<string, unknown>; readonly grant?: InstallOptions["grant"]; readonly bytes?: number[] }
  | { readonly op: "call"; readonly plugin: string; readonly fn: string; readonly input?: string }
  | { readonly op: "get"; readonly plugin: string }
  | { readonly op: "memory"; readonly id: string; readonly content: string; readonly tags?: readonly string[] }
  | { readonly op: "kv"; readonly plugin: string; readonly key: string }
  | { readonly op: "warnings" }
  | { readonly op: "runtime" };

/** A request: engine options (JSON-able ones) and the steps. */
export interface EdgeRequest {
  readonly engine?: Pick<EngineOptions, "limits" | "isolation"> & { readonly grant?: boolean };
  readonly steps: readonly EdgeStep[];
}

/** One step's outcome: its value, or the error it threw (code, plugin, message). */
export type EdgeResult = { readonly ok: unknown } | { readonly error: { readonly code: string; readonly plugin?: string; readonly message: string } };

function describe(info: PluginInfo): unknown {
  return { name: info.name, state: info.state, granted: info.granted, limitNotes: info.limitNotes };
}

function bundled(plugins: Readonly<Record<string, BundledPlugin>>, name: string): BundledPlugin {
  const plugin = plugins[name];
  if (plugin === undefined) throw new Error(`no bundled plugin "${name}"`);
  return plugin;
}

/** Runs a request's steps on a fresh engine (on `storage` when given) and closes it. */
export async function runSteps(plugins: Readonly<Record<string, BundledPlugin>>, request: EdgeRequest, storage?: StorageDriver): Promise<EdgeResult[]> {
  const warnings: string[] = [];
  const keep = (...args: unknown[]): void => void warnings.push(args.map(String).join(" "));
  const logger = { trace: () => {}, debug: () => {}, info: () => {}, warn: keep, error: keep };
  const engine = await createEngine({ ...request.engine, logger, ...(storage === undefined ? {} : { storage }) });
  const results: EdgeResult[] = [];
  try {
    for (const step of request.steps) {
      try {
        results.push({ ok: step.op === "warnings" ? [...warnings] : await runStep(plugins, engine, step) });
      } catch (error) {
        const plugin = isThreadspaceError(error) ? error.plugin : undefined;
        results.push({
          error: {
            code: isThreadspaceError(error) ? error.code : "not_threadspace",
            ...(plugin === undefined ? {} : { plugin }),
            message: error instanceof Error ? error.message : String(error),
          },
        });
      }
    }
  } finally {
    await engine.close();
  }
  return results;
}

async function runStep(plugins: Readonly<Record<string, BundledPlugin>>, engine: Awaited<ReturnType<typeof createEngine>>, step: EdgeStep): Promise<unknown> {
  switch (step.op) {
    case "install": {
      const plugin = bundled(plugins, step.plugin);
      const wasm = step.bytes === undefined ? plugin.module : new Uint8Array(step.bytes);
      const options: InstallOptions = step.grant === undefined ? {} : { grant: step.grant };
      return describe(await engine.install({ manifest: { ...plugin.manifest, ...step.manifest }, wasm }, options));
    }
    case "call":
      return (await engine.call(step.plugin, step.fn, step.input ?? "")).text();
    case "get": {
      const info = engine.get(step.plugin);
      return info === undefined ? null : describe(info);
    }
    case "memory":
      return engine.memories.put({ id: step.id, content: step.content, tags: [...(step.tags ?? [])] }).id;
    case "kv":
      return engine.kv(step.plugin).get(step.key) ?? null;
    case "warnings":
      return null;
    case "runtime":
      return { canSuspend, userAgent: navigator.userAgent, process: typeof (globalThis as { process?: unknown }).process };
  }
}

/** The worker's fetch handler over the plugins it was bundled with. */
export function edgeWorker(plugins: Readonly<Record<string, BundledPlugin>>): { fetch(request: Request): Promise<Response> } {
  return {
    async fetch(request) {
      const body = (await request.json()) as EdgeRequest;
      return Response.json(await runSteps(plugins, body));
    },
  };
}
