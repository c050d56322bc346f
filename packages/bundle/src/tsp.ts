import { zipSync, type Zippable } from "fflate";
import { ThreadspaceError } from "@threadspace/errors";
import { MAX_MANIFEST_BYTES, parseManifest, type PluginManifest } from "@threadspace/manifest";
import { sha256Hex } from "./sha256.ts";
import { DEFAULT_MAX_WASM_BYTES, MANIFEST_ENTRY, MAX_README_BYTES, README_ENTRY, SIGNATURE_ENTRY, unsafePathReason, wasmEntryName } from "./entries.ts";
import type { SigningKey } from "./keys.ts";
import { createSignature, encodeSignatureFile, MAX_SIGNATURE_BYTES, parseSignatureFile, type SignatureFile } from "./signature.ts";
import { listZip, readZipEntry, type ZipEntry } from "./zip-read.ts";

/** The files of a bundle, as bytes: what goes into a .tsp. */
export interface BundleFiles {
  /** plugin.json's exact bytes (they are hashed and signed as they are). */
  readonly manifest: Uint8Array;
  readonly wasm: Uint8Array;
  readonly readme?: Uint8Array | undefined;
  /** The modules plugin.json `modules` names, by name (each stored under its `path`). */
  readonly modules?: Readonly<Record<string, Uint8Array>> | undefined;
}

/** A .tsp read and checked for shape; its hash and signature are checked by `verifyBundle`. */
export interface UnpackedBundle extends BundleFiles {
  readonly manifestJson: PluginManifest;
  /** The wasm's entry name (plugin.json's `main`). */
  readonly wasmEntry: string;
  readonly signature?: SignatureFile | undefined;
}

/** Size caps of {@link unpackBundle}. */
export interface UnpackLimits {
  /** Largest wasm accepted (default 64 MiB, as the engine's `maxWasmBytes`). */
  readonly maxWasmBytes?: number | undefined;
}

/** Where the .tsp came from, for messages. */
export interface BundleOrigin {
  readonly origin?: string | undefined;
}

// Entries carry a fixed date so that packing the same files twice gives the same bytes.
const FIXED_MTIME = new Date(Date.UTC(1980, 0, 1, 12));

/** The largest .tsp accepted for a given wasm cap: the wasm plus every other entry at its cap, plus zip overhead. */
export function maxBundleBytes(maxWasmBytes: number): number {
  return maxWasmBytes + MAX_MANIFEST_BYTES + MAX_README_BYTES + MAX_SIGNATURE_BYTES + 64 * 1024;
}

function invalid(message: string, plugin?: string): ThreadspaceError {
  return new ThreadspaceError("bundle_invalid", message, { plugin });
}

/**
 * Packs a bundle into `.tsp` bytes (a zip): plugin.json, the wasm under its `main` path,
 * README.md when given, and signature.json when `signer` is given. plugin.json must carry a
 * `hash` that matches the wasm (a distributed bundle pins its wasm). Throws `manifest_invalid`,
 * `hash_mismatch` or `bundle_invalid`.
 *
 * @example
 * const tsp = await packBundle({ manifest, wasm }, { signer: await importSigningKey(jwk) });
 */
export async function packBundle(files: BundleFiles, options: { signer?: SigningKey | undefined; signature?: SignatureFile | undefined } = {}): Promise<Uint8Array> {
  const manifest = parseManifest(files.manifest, { source: MANIFEST_ENTRY });
  const wasmHash = `sha256:${await sha256Hex(files.wasm)}`;
  if (manifest.hash === undefined) {
    throw invalid(`plugin.json has no "hash": a packed bundle pins its wasm. Run "threadspace hash ${manifest.main} --write ." in the bundle folder, then pack again.`, manifest.name);
  }
  if (manifest.hash !== wasmHash) {
    throw new ThreadspaceError("hash_mismatch", `the wasm does not match plugin.json: "hash" says ${manifest.hash} but ${manifest.main} is ${wasmHash}. Rebuild it, or run "threadspace hash ${manifest.main} --write ." if the change is yours.`, { plugin: manifest.name });
  }
  if (files.readme !== undefined && files.readme.byteLength > MAX_README_BYTES) {
    throw invalid(`README.md is ${files.readme.byteLength} bytes, more than the ${MAX_README_BYTES} a .tsp may hold.`, manifest.name);
  }
  const entries: Zippable = {
    [MANIFEST_ENTRY]: files.manifest,
    [wasmEntryName(manifest.main)]: files.wasm,
  };
  if (files.readme !== undefined) entries[README_ENTRY] = files.readme;
  for (const [path, bytes] of await moduleEntries(manifest, files.modules)) entries[path] = bytes;
  const signature = options.signer === undefined ? options.signature : await createSignature(`sha256:${await sha256Hex(files.manifest)}`, wasmHash, options.signer);
  if (signature !== undefined) entries[SIGNATURE_ENTRY] = encodeSignatureFile(signature);
  return zipSync(entries, { level: 9, mtime: FIXED_MTIME });
}

/**
 * The entries of plugin.json's linked modules: each named module given, under its `path`, its
 * `hash` in plugin.json present and matching (so plugin.json, and a signature over it, pins
 * every module as `hash` pins the main wasm).
 */
async function moduleEntries(manifest: PluginManifest, given: Readonly<Record<string, Uint8Array>> | undefined): Promise<[string, Uint8Array][]> {
  const named = Object.entries(manifest.modules ?? {});
  const extra = Object.keys(given ?? {}).filter((name) => manifest.modules?.[name] === undefined);
  if (extra.length > 0) throw invalid(`modules ${JSON.stringify(extra)} were given to pack but plugin.json's "modules" does not name them.`, manifest.name);
  const out: [string, Uint8Array][] = [];
  const taken = new Set([MANIFEST_ENTRY, README_ENTRY, SIGNATURE_ENTRY, wasmEntryName(manifest.main)]);
  for (const [name, entry] of named) {
    const bytes = given?.[name];
    if (bytes === undefined) throw invalid(`plugin.json names linked module "${name}" (${entry.path}), which was not given: build it first.`, manifest.name);
    const path = moduleEntryName(entry.path, name, manifest.name);
    if (taken.has(path)) throw invalid(`linked module "${name}": its path ${entry.path} is already another entry of the bundle.`, manifest.name);
    taken.add(path);
    const hash = `sha256:${await sha256Hex(bytes)}`;
    if (entry.hash === undefined) throw invalid(`linked module "${name}" has no "hash" in plugin.json: a packed bundle pins every module. Set "modules.${name}.hash" to ${hash}, then pack again.`, manifest.name);
    if (entry.hash !== hash) throw new ThreadspaceError("hash_mismatch", `linked module "${name}" (${entry.path}) does not match plugin.json: "hash" says ${entry.hash} but the file is ${hash}. Rebuild it, or update its "hash" if the change is yours.`, { plugin: manifest.name });
    out.push([path, bytes]);
  }
  return out;
}

/** A linked module's entry name, refused when unsafe. */
function moduleEntryName(path: string, name: string, plugin: string): string {
  const entry = wasmEntryName(path);
  const unsafe = unsafePathReason(entry);
  if (unsafe !== undefined) throw invalid(`linked module "${name}": its path ${JSON.stringify(path)} ${unsafe}.`, plugin);
  return entry;
}

function capOf(name: string, wasmEntries: ReadonlySet<string> | undefined, maxWasmBytes: number): number | undefined {
  if (name === MANIFEST_ENTRY) return MAX_MANIFEST_BYTES;
  if (name === README_ENTRY) return MAX_README_BYTES;
  if (name === SIGNATURE_ENTRY) return MAX_SIGNATURE_BYTES;
  if (wasmEntries === undefined || wasmEntries.has(name)) return maxWasmBytes;
  return undefined;
}

function checkEntries(entries: readonly ZipEntry[], where: string, maxWasmBytes: number): Map<string, ZipEntry> {
  const byName = new Map<string, ZipEntry>();
  for (const entry of entries) {
    const unsafe = unsafePathReason(entry.name);
    if (unsafe !== undefined) throw invalid(`${where} has an entry named ${JSON.stringify(entry.name)} that ${unsafe}: refused. Only plugin.json, the wasm, README.md and signature.json belong in a .tsp.`);
    if (byName.has(entry.name)) throw invalid(`${where} has two entries named "${entry.name}": refused (a crafted or damaged zip).`);
    const cap = capOf(entry.name, undefined, maxWasmBytes) as number;
    if (entry.size > cap) throw invalid(`${where}: entry "${entry.name}" is ${entry.size} bytes uncompressed, more than the ${cap} allowed${entry.name.endsWith(".wasm") ? " (createEngine({ maxWasmBytes }))" : ""}.`);
    byName.set(entry.name, entry);
  }
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  // The main wasm and its linked modules together are held to maxWasmBytes.
  const maxTotal = maxWasmBytes + MAX_MANIFEST_BYTES + MAX_README_BYTES + MAX_SIGNATURE_BYTES;
  if (total > maxTotal) throw invalid(`${where} would inflate to ${total} bytes, more than the ${maxTotal} a bundle may hold (its wasm modules together at most ${maxWasmBytes}): refused before inflating anything.`);
  return byName;
}

/**
 * Reads `.tsp` bytes strictly: a zip of at most plugin.json, the wasm its `main` names,
 * README.md and signature.json; no other entries, no unsafe paths, no duplicates, each entry
 * under its size cap (checked on the declared size before inflating, and while inflating),
 * CRC-checked. Validates plugin.json. Does not check the hash or signature (`verifyBundle`).
 * Throws `bundle_invalid`, `manifest_invalid` or `signature_invalid`.
 */
export function unpackBundle(bytes: Uint8Array, options: UnpackLimits & BundleOrigin = {}): UnpackedBundle {
  const where = options.origin ?? "the .tsp";
  const maxWasmBytes = options.maxWasmBytes ?? DEFAULT_MAX_WASM_BYTES;
  const maxBytes = maxBundleBytes(maxWasmBytes);
  if (bytes.byteLength > maxBytes) throw invalid(`${where} is ${bytes.byteLength} bytes, more than the ${maxBytes} a bundle with a wasm of at most ${maxWasmBytes} bytes may be (createEngine({ maxWasmBytes })).`);
  const entries = listZip(bytes, where);
  const byName = checkEntries(entries, where, maxWasmBytes);
  const read = (entry: ZipEntry): Uint8Array => readZipEntry(bytes, entry, where);
  const manifestEntry = byName.get(MANIFEST_ENTRY);
  if (manifestEntry === undefined) throw invalid(`${where} has no plugin.json at its top level (entries: ${[...byName.keys()].join(", ") || "none"}). Pack the bundle folder with "threadspace pack".`);
  const manifestBytes = read(manifestEntry);
  const manifestJson = parseManifest(manifestBytes, { source: `plugin.json in ${where}` });
  const plugin = manifestJson.name;
  const wasmEntry = wasmEntryName(manifestJson.main);
  const modulePaths = Object.entries(manifestJson.modules ?? {}).map(([name, entry]) => [name, moduleEntryName(entry.path, name, plugin)] as const);
  const wasmEntries = new Set([wasmEntry, ...modulePaths.map(([, path]) => path)]);
  for (const name of byName.keys()) {
    if (capOf(name, wasmEntries, maxWasmBytes) === undefined) {
      throw invalid(`${where} holds an unexpected entry "${name}": a .tsp holds only plugin.json, ${wasmEntry} ("main"), the modules plugin.json links, README.md and signature.json. Pack it again with "threadspace pack".`, plugin);
    }
  }
  const modules: Record<string, Uint8Array> = {};
  for (const [name, path] of modulePaths) {
    const entry = byName.get(path);
    if (entry === undefined) throw invalid(`${where} has no "${path}", the linked module "${name}" plugin.json names. Pack it again with "threadspace pack" after building.`, plugin);
    if (manifestJson.modules?.[name]?.hash === undefined) throw invalid(`${where}: linked module "${name}" has no "hash" in plugin.json; a .tsp pins every module. Pack it again with "threadspace pack".`, plugin);
    modules[name] = read(entry);
  }
  const wasm = byName.get(wasmEntry);
  if (wasm === undefined) throw invalid(`${where} has no "${wasmEntry}", the wasm plugin.json's "main" names. Pack it again with "threadspace pack" after building.`, plugin);
  const readmeEntry = byName.get(README_ENTRY);
  const signatureEntry = byName.get(SIGNATURE_ENTRY);
  return {
    manifest: manifestBytes,
    manifestJson,
    wasm: read(wasm),
    wasmEntry,
    readme: readmeEntry === undefined ? undefined : read(readmeEntry),
    ...(modulePaths.length === 0 ? {} : { modules }),
    signature: signatureEntry === undefined ? undefined : parseSignatureFile(read(signatureEntry), plugin),
  };
}
