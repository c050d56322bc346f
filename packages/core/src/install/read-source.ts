import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { MAX_MANIFEST_BYTES, parseManifest, type PluginManifest } from "@threadspace/manifest";
import { platform } from "#platform";
import type { BundleParts, InstallSource } from "./install-source.ts";

/** A bundle read from its source, its manifest validated, its wasm not yet checked. */
export interface SourceBundle {
  readonly manifest: PluginManifest;
  readonly wasm: Uint8Array | WebAssembly.Module;
  /** Where it came from, for messages and `engine.get()`. */
  readonly origin: string;
}

function isBundleParts(source: InstallSource): source is BundleParts {
  return typeof source === "object" && !(source instanceof URL) && source !== null && "manifest" in source && "wasm" in source;
}

function sourceError(message: string, cause?: unknown): ThreadspaceError {
  return new ThreadspaceError("source_invalid", message, { cause });
}

async function readFromUrl(manifestUrl: URL, maxWasmBytes: number): Promise<SourceBundle> {
  const origin = manifestUrl.href;
  const text = await platform.readBytes(manifestUrl, MAX_MANIFEST_BYTES).catch((cause: unknown) => {
    throw sourceError(`cannot read plugin.json at ${origin}: ${messageOf(cause)}. Check the path or URL, or pass { manifest, wasm } instead.`, cause);
  });
  const manifest = parseManifest(text, { source: origin });
  const wasmUrl = new URL(manifest.main, manifestUrl);
  const wasm = await platform.readBytes(wasmUrl, maxWasmBytes).catch((cause: unknown) => {
    throw sourceError(
      `cannot read the wasm of ${manifest.name} at ${wasmUrl.href} ("main": "${manifest.main}" in ${origin}): ${messageOf(cause)}. Build the plugin first, or fix "main".`,
      cause,
    );
  });
  return { manifest, wasm, origin };
}

function readParts(parts: BundleParts, maxWasmBytes: number): SourceBundle {
  const manifest = parseManifest(parts.manifest, { source: "the manifest passed to install()" });
  const { wasm } = parts;
  if (wasm instanceof WebAssembly.Module) return { manifest, wasm, origin: "a precompiled WebAssembly.Module" };
  const bytes = wasm instanceof ArrayBuffer ? new Uint8Array(wasm) : wasm;
  if (!(bytes instanceof Uint8Array)) {
    throw new ThreadspaceError("source_invalid", `"wasm" must be a Uint8Array, an ArrayBuffer or a WebAssembly.Module, not ${typeof wasm}.`, { plugin: manifest.name });
  }
  if (bytes.byteLength > maxWasmBytes) {
    throw new ThreadspaceError("source_invalid", `the wasm is ${bytes.byteLength} bytes, more than the ${maxWasmBytes} allowed (createEngine({ maxWasmBytes })).`, { plugin: manifest.name });
  }
  return { manifest, wasm: bytes, origin: "bytes passed to install()" };
}

/** Reads and validates an install source; throws `source_invalid` or `manifest_invalid`. */
export async function readSource(source: InstallSource, maxWasmBytes: number): Promise<SourceBundle> {
  if (isBundleParts(source)) return readParts(source, maxWasmBytes);
  if (source instanceof URL) return readFromUrl(source, maxWasmBytes);
  if (typeof source !== "string") {
    throw sourceError(`cannot install from ${source === null ? "null" : typeof source}: pass a bundle directory or URL, or { manifest, wasm }.`);
  }
  const url = await platform.locateManifest(source).catch((cause: unknown) => {
    throw sourceError(`cannot find a plugin at "${source}": ${messageOf(cause)}.`, cause);
  });
  return readFromUrl(url, maxWasmBytes);
}
