/** What the engine's own WASI (Node) is built from, per plugin. */
export interface ServedWasiOptions {
  readonly plugin: string;
  /** Receives each line the plugin writes to stdout or stderr; without it, output is discarded. */
  readonly output?: (stream: "stdout" | "stderr", line: string) => void;
  /** Read-only mounts: guest path (absolute) to host directory. */
  readonly allowedPaths: Readonly<Record<string, string>>;
  /** Descriptors (stdin, then stdout and stderr) of /dev/null opened by the engine's thread; default: this thread's own pair. */
  readonly stdio?: readonly [number, number] | undefined;
}

/** A plugin's WASI preview 1, served by the engine (see wasi-adapter.ts for how it is linked). */
export interface ServedWasi {
  /** The WASI functions, by name (plain wasm-callable functions). */
  readonly functions: Readonly<Record<string, (...args: never[]) => number | undefined>>;
  /** Binds the functions to the plugin's memory (once it is instantiated). Calls before that fail with ENOSYS. */
  bind(memory: WebAssembly.Memory): void;
  /** Flushes a last unterminated output line and releases the descriptors. */
  close(): void;
}

/** Makes a {@link ServedWasi}; only Node has one (`Platform.serveWasi`). `stdio()` gives the descriptors a worker's WASI should use. */
export type ServeWasi = ((options: ServedWasiOptions) => ServedWasi) & { readonly stdio?: () => readonly [number, number] };
