import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import { platform } from "#platform";
import { readBodyWithin } from "../platform/read-response.ts";

type LinkedSource = Uint8Array | ArrayBuffer | WebAssembly.Module | Response;

/** True for a fetch `Response` (what `fetch()` returns). */
export function isResponse(value: unknown): value is Response {
  return typeof Response !== "undefined" && value instanceof Response;
}

/** Reads a wasm `Response` within `maxBytes` (its hash is checked after, before anything compiles it). */
export async function readWasmResponse(response: Response, maxBytes: number, plugin: string): Promise<Uint8Array> {
  const where = response.url === "" ? "the Response passed to install()" : response.url;
  if (!response.ok) throw new ThreadspaceError("source_invalid", `cannot read the wasm from ${where}: HTTP ${response.status} ${response.statusText}. Check the URL.`, { plugin });
  if (response.bodyUsed) throw new ThreadspaceError("source_invalid", `the Response for ${where} was already read; pass a fresh one (or its bytes).`, { plugin });
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  const tooBig = (size: string) => new ThreadspaceError("source_invalid", `the wasm at ${where} is ${size} bytes, more than the ${maxBytes} allowed (createEngine({ maxWasmBytes })).`, { plugin });
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooBig(String(declared));
  }
  const body = await readBodyWithin(response, maxBytes);
  if (body === null) throw tooBig(`more than ${maxBytes}`);
  return body;
}

/** A `.tsp` carries only `main`: a plugin with linked modules is installed from its folder or its parts. */
export function refusePackedModules(manifest: PluginManifest, origin: string): void {
  if (manifest.modules === undefined || Object.keys(manifest.modules).length === 0) return;
  throw new ThreadspaceError("bundle_invalid", `${origin}: plugin.json names linked modules ("modules"), which a .tsp does not carry yet. Install the plugin from its folder, or as { manifest, wasm, modules }.`, { plugin: manifest.name });
}

/** Reads the modules plugin.json names from the bundle's folder (each inside it, within `maxWasmBytes`). */
export async function readLinkedModules(manifest: PluginManifest, manifestUrl: URL, folder: URL, maxWasmBytes: number): Promise<Record<string, Uint8Array> | undefined> {
  if (manifest.modules === undefined) return undefined;
  const out = Object.create(null) as Record<string, Uint8Array>;
  for (const [name, entry] of Object.entries(manifest.modules)) {
    const url = new URL(entry.path, manifestUrl);
    out[name] = await platform.readBytes(url, maxWasmBytes, folder).catch((cause: unknown) => {
      throw new ThreadspaceError("source_invalid", `cannot read linked module "${name}" at ${url.href} ("modules" in plugin.json): ${messageOf(cause)}. Build it first, or fix its "path".`, { plugin: manifest.name, cause });
    });
  }
  return out;
}

/** Takes the linked modules given with `{ manifest, wasm, modules }`: exactly the ones plugin.json names. */
export async function linkedModulesOf(manifest: PluginManifest, given: Readonly<Record<string, LinkedSource>> | undefined, maxWasmBytes: number): Promise<Record<string, Uint8Array | WebAssembly.Module> | undefined> {
  const named = Object.keys(manifest.modules ?? {});
  const passed = given === undefined || given === null ? [] : Object.keys(given);
  const extra = passed.filter((name) => !named.includes(name));
  if (extra.length > 0) throw new ThreadspaceError("source_invalid", `modules ${JSON.stringify(extra)} were passed to install() but plugin.json's "modules" does not name them. Name each in "modules" (with its path and hash).`, { plugin: manifest.name });
  if (named.length === 0) return undefined;
  const out = Object.create(null) as Record<string, Uint8Array | WebAssembly.Module>;
  for (const name of named) {
    const source = given?.[name];
    if (source === undefined) throw new ThreadspaceError("source_invalid", `plugin.json names linked module "${name}", but install() was not given it: pass { manifest, wasm, modules: { "${name}": bytes } }.`, { plugin: manifest.name });
    let bytes: Uint8Array | WebAssembly.Module;
    if (source instanceof WebAssembly.Module) bytes = source;
    else if (isResponse(source)) bytes = await readWasmResponse(source, maxWasmBytes, manifest.name);
    else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
    else if (source instanceof Uint8Array) bytes = source;
    else throw new ThreadspaceError("source_invalid", `linked module "${name}" must be a Uint8Array, an ArrayBuffer, a Response or a WebAssembly.Module, not ${typeof source}.`, { plugin: manifest.name });
    if (!(bytes instanceof WebAssembly.Module) && bytes.byteLength > maxWasmBytes) {
      throw new ThreadspaceError("source_invalid", `linked module "${name}" is ${bytes.byteLength} bytes, more than the ${maxWasmBytes} allowed (createEngine({ maxWasmBytes })).`, { plugin: manifest.name });
    }
    out[name] = bytes;
  }
  return out;
}
