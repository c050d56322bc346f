import type { PluginManifest } from "@threadspace/manifest";
import type { LogStore } from "@threadspace/host";
import { AnyNameFunctions, type ExtismStyleHostFunction, type HostFunctionGate } from "./any-name-functions.ts";
import { OutboundHttp } from "../http/outbound-http.ts";
import type { ResolvedHttpOptions } from "../http/http-options.ts";
import { extismFetch, importsHttp } from "../http/http-kernel.ts";
import { httpFailed } from "../http/http-errors.ts";
import type { PluginWasi } from "../wasi/wasi-options.ts";

/** What the engine serves beyond Threadspace's own `ts_*` APIs (issue 12): the embedder's functions by any name, and HTTP. */
export interface CompatServices {
  readonly anyName: AnyNameFunctions;
  readonly gate: HostFunctionGate;
  readonly http: ResolvedHttpOptions;
  /** WASI options per plugin (wasi/wasi-options.ts); absent: Extism's WASI, nothing mounted, output discarded. */
  readonly wasi?: (plugin: string) => PluginWasi;
  /** Whether the guest can be suspended on the engine's thread (JSPI). */
  readonly canSuspend: boolean;
}

/** What a plugin's imports need from {@link CompatServices}. */
export interface CompatNeeds {
  /** It imports Extism's `http_request`. */
  readonly http: boolean;
  /** It imports an embedder function by any name (other than Threadspace's `ts_*`). */
  readonly anyName: boolean;
  /** One of them is async: the guest must be able to suspend (JSPI, or a worker). */
  readonly suspends: boolean;
}

/** Reads what a plugin's imports (main and linked modules) need. */
export function compatNeeds(imports: readonly WebAssembly.ModuleImportDescriptor[], services: CompatServices | undefined): CompatNeeds {
  const http = importsHttp(imports);
  let anyName = false;
  let asyncImport = false;
  for (const i of imports) {
    if (i.kind !== "function" || services?.anyName.has(i.module, i.name) !== true) continue;
    anyName = true;
    asyncImport ||= services.anyName.isAsync(i.module, i.name);
  }
  return { http, anyName, suspends: http || asyncImport };
}

/** The plugin's outbound HTTP (allowed hosts, the `http` grant, its log), inline or in a worker. */
export function outbound(manifest: PluginManifest, services: CompatServices, logs: LogStore): OutboundHttp {
  const { name } = manifest;
  return new OutboundHttp(
    {
      plugin: name,
      allowedHosts: manifest.allowedHosts ?? [],
      granted: () => services.gate.granted(name, "http"),
      log: (level, text) => logs.append(name, level, text, undefined, "engine"),
    },
    services.http,
  );
}

/** What an inline plugin gets: functions by namespace, HTTP kernel overrides or Extism options, and a per-call reset. */
export interface InlineExtras {
  /** Functions by namespace (the user namespace's are merged with Threadspace's own by the caller). */
  readonly namespaces: Record<string, Record<string, ExtismStyleHostFunction>>;
  /** Kernel overrides (`extism:host/env`). */
  readonly kernel: Record<string, ExtismStyleHostFunction>;
  /** Options for @extism/extism's createPlugin (its own HTTP context, fed by our fetch, where JSPI exists). */
  readonly extismOptions: { fetch?: typeof fetch; allowedHosts?: string[]; allowHttpResponseHeaders?: boolean };
  /** Called when each plugin call starts. */
  beginCall(): void;
}

/**
 * The extras of a plugin running on the engine's thread. `deadline` reads the current call's
 * deadline (the fuel meter's budget). With JSPI, @extism/extism's own HTTP context serves
 * `http_request` (it replaces any override) and gets {@link extismFetch}; without it, no request
 * can suspend the guest here, so `http_request` fails with a clear error (the engine runs such
 * plugins in a worker where it can: see start-plugin.ts).
 */
export function inlineExtras(manifest: PluginManifest, imports: readonly WebAssembly.ModuleImportDescriptor[], services: CompatServices | undefined, logs: LogStore, deadline: () => number): InlineExtras {
  if (services === undefined) return { namespaces: {}, kernel: {}, extismOptions: {}, beginCall: () => undefined };
  const namespaces = services.anyName.functionsFor(manifest.name, imports, services.gate);
  if (!importsHttp(imports)) return { namespaces, kernel: {}, extismOptions: {}, beginCall: () => undefined };
  const http = outbound(manifest, services, logs);
  if (services.canSuspend) {
    return {
      namespaces,
      kernel: {},
      extismOptions: { fetch: extismFetch(manifest.name, http, deadline), allowedHosts: ["*"], allowHttpResponseHeaders: true },
      beginCall: () => http.beginCall(),
    };
  }
  const unsupported = (): never => {
    throw httpFailed(manifest.name, 'a request suspends the plugin while the host waits, which needs JSPI (Chromium, workerd) or worker isolation; this runtime has neither. Set limits.isolation to "worker" (a worker could not be started here).');
  };
  return { namespaces, kernel: { http_request: unsupported, http_status_code: () => 0, http_headers: () => 0n }, extismOptions: {}, beginCall: () => undefined };
}
