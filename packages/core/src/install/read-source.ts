import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { MAX_MANIFEST_BYTES, parseManifest, type PluginManifest } from "@threadspace/manifest";
import { maxBundleBytes, unpackBundle, verifyBundle, type SignatureFile, type SignatureStatus, type TrustPolicy } from "@threadspace/bundle";
import { platform } from "#platform";
import type { BundleParts, InstallSource } from "./install-source.ts";
import { HashMemo } from "./hash-memo.ts";
import { isResponse, linkedModulesOf, readLinkedModules, readWasmResponse } from "./linked-sources.ts";

/** A bundle read from its source, its manifest validated, its wasm not yet checked. */
export interface SourceBundle {
  readonly manifest: PluginManifest;
  readonly wasm: Uint8Array | WebAssembly.Module;
  /** Where it came from, for messages and `engine.get()`. */
  readonly origin: string;
  /** For a `.tsp`: what its signature check found (its hash was checked too). */
  readonly signature?: SignatureStatus | undefined;
  /** For a `.tsp`: plugin.json's exact bytes and signature.json, stored so the signature can be checked again after a restart. */
  readonly packed?: PackedParts | undefined;
  /**
   * `sha256:<hex>` of `wasm`, started once when the source was read (in browsers WebCrypto hashes
   * off the main thread while the install goes on). Present only when `wasm` is the bundle's own
   * copy, which nobody else can change: then install, the data identity and upgrades all use
   * this one hash.
   */
  readonly sha256?: Promise<string> | undefined;
  /** Modules linked with the wasm (plugin.json `modules`), by name; not yet checked. */
  readonly linked?: Readonly<Record<string, Uint8Array | WebAssembly.Module>> | undefined;
}

/** Hashes of wasm installed recently in this realm (every bundle's wasm is its own copy). */
const recentHashes = new HashMemo(undefined, undefined, platform.equalBytes);

/** The bundle with {@link SourceBundle.sha256} started (its wasm must be its own copy): remembered for bytes installed before. */
function hashed(bundle: SourceBundle): SourceBundle {
  const wasm = bundle.wasm;
  if (!(wasm instanceof Uint8Array) || bundle.sha256 !== undefined) return bundle;
  const known = recentHashes.find(wasm);
  if (known !== undefined) return { ...bundle, sha256: Promise.resolve(known) };
  const sha256 = platform.sha256Hex(wasm).then((hex) => {
    const prefixed = `sha256:${hex}`;
    recentHashes.remember(wasm, prefixed);
    return prefixed;
  });
  // Awaited by whoever needs it; a failure surfaces there, not as an unhandled rejection here.
  sha256.catch(() => undefined);
  return { ...bundle, sha256 };
}

/** What is kept of a `.tsp` besides its wasm: what its signature covers. */
export interface PackedParts {
  readonly manifest: Uint8Array;
  readonly signature?: SignatureFile | undefined;
}

function isBundleParts(source: InstallSource): source is BundleParts {
  return typeof source === "object" && !(source instanceof URL) && source !== null && "manifest" in source && "wasm" in source;
}

function isPackedBytes(source: InstallSource): source is Uint8Array | ArrayBuffer | Blob {
  return source instanceof Uint8Array || source instanceof ArrayBuffer || (typeof Blob !== "undefined" && source instanceof Blob);
}

function isTspUrl(url: URL): boolean {
  return url.pathname.toLowerCase().endsWith(".tsp");
}

/** Unpacks and verifies a `.tsp` (hash, signature, trust policy); throws `bundle_invalid`, `hash_mismatch`, `signature_invalid`, `signature_untrusted`. */
async function readPacked(bytes: Uint8Array, origin: string, maxWasmBytes: number, trust: TrustPolicy): Promise<SourceBundle> {
  const bundle = unpackBundle(bytes, { maxWasmBytes, origin });
  const check = await verifyBundle(bundle, trust);
  // Linked modules: plugin.json (covered by the signature) pins each by hash; install checks them.
  return { manifest: bundle.manifestJson, wasm: bundle.wasm, origin, signature: check.signature, packed: { manifest: bundle.manifest, signature: bundle.signature }, ...(bundle.modules === undefined ? {} : { linked: bundle.modules }) };
}

async function readPackedSource(source: Uint8Array | ArrayBuffer | Blob, maxWasmBytes: number, trust: TrustPolicy): Promise<SourceBundle> {
  const limit = maxBundleBytes(maxWasmBytes);
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    const name = (source as Blob & { name?: unknown }).name;
    const origin = typeof name === "string" && name !== "" ? `${name} (a .tsp Blob)` : "a .tsp Blob passed to install()";
    if (source.size > limit) throw new ThreadspaceError("bundle_invalid", `${origin} is ${source.size} bytes, more than the ${limit} a bundle may be (createEngine({ maxWasmBytes })).`);
    return readPacked(new Uint8Array(await source.arrayBuffer()), origin, maxWasmBytes, trust);
  }
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : (source as Uint8Array);
  return readPacked(bytes, ".tsp bytes passed to install()", maxWasmBytes, trust);
}

async function readTspUrl(url: URL, maxWasmBytes: number, trust: TrustPolicy): Promise<SourceBundle> {
  const bytes = await platform.readBytes(url, maxBundleBytes(maxWasmBytes)).catch((cause: unknown) => {
    throw sourceError(`cannot read the bundle at ${url.href}: ${messageOf(cause)}. Check the path or URL.`, cause);
  });
  return readPacked(bytes, url.href, maxWasmBytes, trust);
}

function requireSigned(trust: TrustPolicy, what: string): void {
  if (trust.requireSignature !== true) return;
  throw new ThreadspaceError(
    "signature_untrusted",
    `cannot install ${what}: this engine requires bundles signed by a trusted key (requireSignature), and only a signed .tsp carries a signature. Pack and sign it ("threadspace pack --sign <key>"), then install the .tsp.`,
  );
}

function sourceError(message: string, cause?: unknown): ThreadspaceError {
  return new ThreadspaceError("source_invalid", message, { cause });
}

async function readFromUrl(manifestUrl: URL, maxWasmBytes: number): Promise<SourceBundle> {
  const origin = manifestUrl.href;
  // Every file of a bundle folder is read from inside it: a symlink may not lead out (Node).
  const folder = new URL(".", manifestUrl);
  const text = await platform.readBytes(manifestUrl, MAX_MANIFEST_BYTES, folder).catch((cause: unknown) => {
    throw sourceError(`cannot read plugin.json at ${origin}: ${messageOf(cause)}. Check the path or URL, or pass { manifest, wasm } instead.`, cause);
  });
  const manifest = parseManifest(text, { source: origin });
  const linked = await readLinkedModules(manifest, manifestUrl, folder, maxWasmBytes);
  const wasmUrl = new URL(manifest.main, manifestUrl);
  const wasm = await platform.readBytes(wasmUrl, maxWasmBytes, folder).catch((cause: unknown) => {
    throw sourceError(
      `cannot read the wasm of ${manifest.name} at ${wasmUrl.href} ("main": "${manifest.main}" in ${origin}): ${messageOf(cause)}. Build the plugin first, or fix "main".`,
      cause,
    );
  });
  return { manifest, wasm, origin, ...(linked === undefined ? {} : { linked }) };
}

async function readParts(parts: BundleParts, maxWasmBytes: number): Promise<SourceBundle> {
  const manifest = parseManifest(parts.manifest, { source: "the manifest passed to install()" });
  const linked = await linkedModulesOf(manifest, parts.modules, maxWasmBytes);
  const withLinked = linked === undefined ? {} : { linked };
  let { wasm } = parts;
  if (wasm instanceof WebAssembly.Module) return { manifest, wasm, origin: "a precompiled WebAssembly.Module", ...withLinked };
  if (!(wasm instanceof Uint8Array) && isResponse(wasm)) wasm = await readWasmResponse(wasm, maxWasmBytes, manifest.name);
  const bytes = wasm instanceof ArrayBuffer ? new Uint8Array(wasm) : wasm;
  if (!(bytes instanceof Uint8Array)) {
    throw new ThreadspaceError("source_invalid", `"wasm" must be a Uint8Array, an ArrayBuffer or a WebAssembly.Module, not ${typeof wasm}.`, { plugin: manifest.name });
  }
  if (bytes.byteLength > maxWasmBytes) {
    throw new ThreadspaceError("source_invalid", `the wasm is ${bytes.byteLength} bytes, more than the ${maxWasmBytes} allowed (createEngine({ maxWasmBytes })).`, { plugin: manifest.name });
  }
  // A private copy: what is hashed is what is compiled, even if the caller's array changes meanwhile.
  return { manifest, wasm: bytes.slice(), origin: "bytes passed to install()", ...withLinked };
}

/**
 * Reads and validates an install source; throws `source_invalid` or `manifest_invalid`, and for
 * a `.tsp` `bundle_invalid`, `hash_mismatch`, `signature_invalid` or `signature_untrusted`.
 * Under `trust.requireSignature` only a `.tsp` signed by a trusted key is accepted.
 */
export async function readSource(source: InstallSource, maxWasmBytes: number, trust: TrustPolicy = {}): Promise<SourceBundle> {
  // Every path below gives the bundle wasm bytes of its own (read, unpacked or copied).
  return hashed(await readAny(source, maxWasmBytes, trust));
}

async function readAny(source: InstallSource, maxWasmBytes: number, trust: TrustPolicy): Promise<SourceBundle> {
  if (isPackedBytes(source)) return readPackedSource(source, maxWasmBytes, trust);
  if (isBundleParts(source)) {
    requireSigned(trust, "{ manifest, wasm }");
    return await readParts(source, maxWasmBytes);
  }
  if (source instanceof URL) {
    if (isTspUrl(source)) return readTspUrl(source, maxWasmBytes, trust);
    requireSigned(trust, source.href);
    return readFromUrl(source, maxWasmBytes);
  }
  if (typeof source !== "string") {
    throw sourceError(`cannot install from ${source === null ? "null" : typeof source}: pass a bundle directory or URL, a .tsp, or { manifest, wasm }.`);
  }
  const url = await platform.locateManifest(source).catch((cause: unknown) => {
    throw sourceError(`cannot find a plugin at "${source}": ${messageOf(cause)}.`, cause);
  });
  if (isTspUrl(url)) return readTspUrl(url, maxWasmBytes, trust);
  requireSigned(trust, `"${source}"`);
  return readFromUrl(url, maxWasmBytes);
}
