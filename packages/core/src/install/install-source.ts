/** A plugin given as its parts: the plugin.json content and the wasm. */
export interface BundleParts {
  /** plugin.json as an object, JSON text or UTF-8 bytes. */
  readonly manifest: object | string | Uint8Array;
  /**
   * The module: bytes (checked against `hash`, then compiled), a fetch `Response` (e.g.
   * `await fetch(url)`: read within `maxWasmBytes`, then checked like bytes), or a precompiled
   * `WebAssembly.Module` (for hosts such as workerd that cannot compile at run time; it was
   * bundled at deploy time, so neither its hash nor the guest memory cap can be applied:
   * `engine.get(name).limitNotes` says so).
   */
  readonly wasm: Uint8Array | ArrayBuffer | WebAssembly.Module | Response;
  /**
   * The modules plugin.json's `modules` names, by name: bytes (each checked against its `hash`),
   * a fetch `Response`, or precompiled modules (with a precompiled `wasm`).
   */
  readonly modules?: Readonly<Record<string, Uint8Array | ArrayBuffer | WebAssembly.Module | Response>>;
}

/**
 * What `engine.install` accepts:
 * - a string: in Node a bundle directory or plugin.json path (or an http(s)/file URL);
 *   in browsers a URL of plugin.json or of its directory, relative to the page;
 *   a path or URL ending in `.tsp` is a packed bundle;
 * - a `URL` of plugin.json or of a `.tsp`;
 * - a packed bundle's bytes (`Uint8Array`, `ArrayBuffer` or `Blob`, e.g. a picked `File`);
 * - {@link BundleParts}.
 */
export type InstallSource = string | URL | Uint8Array | ArrayBuffer | Blob | BundleParts;
