/** One example plugin as the playground's server lists it (`/examples/index.json`); shared by server and page. */
export interface ExampleEntry {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly permissions: readonly string[];
  /** False when its wasm is missing: `npm run build:examples` builds it. */
  readonly built: boolean;
  /** True when it has sample data (`seed.json`: memories and threads to put in the engine). */
  readonly seed: boolean;
  /** Its wasm file (plugin.json `main`, else plugin.wasm), served once built. */
  readonly main: string;
  /** Files served for it, relative to its directory. */
  readonly files: readonly string[];
}
