import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CreateExtismPlugin, Platform } from "./platform.ts";
import { withoutWasiOnBun } from "./bun-wasi.ts";
import { NPM_PREFIX, looksLikePackage, resolvePluginPackage } from "./npm-package.ts";
import { loadWasiQuietly } from "./quiet-wasi.ts";
import { readResponse } from "./read-response.ts";
import { readRegularFile } from "./read-file.ts";
import { serveWasi } from "./node-wasi.ts";
import { serverRuntime } from "./server-runtime.ts";

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

let extism: Promise<CreateExtismPlugin> | undefined;

/** @extism/extism, imported after node:wasi was loaded quietly (see quiet-wasi.ts); on Bun, refusing WASI plugins clearly (bun-wasi.ts). */
function loadExtism(): Promise<CreateExtismPlugin> {
  extism ??= (async () => {
    if (serverRuntime() === "bun") return withoutWasiOnBun((await import("@extism/extism")).default);
    loadWasiQuietly();
    return (await import("@extism/extism")).default;
  })();
  return extism;
}

/**
 * Node: strings are bundle directories or plugin.json paths (or URLs); file: URLs are read from
 * disk. `npm:<name>`, and a package name that is not a path here, resolve an installed plugin
 * package to its `.tsp` (npm-package.ts).
 */
export const platform: Platform = {
  name: "node",
  async locateManifest(source) {
    if (source.startsWith(NPM_PREFIX)) return resolvePluginPackage(source);
    if (URL_SCHEME.test(source)) return new URL(source);
    const path = resolve(source);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined && looksLikePackage(source)) {
      return resolvePluginPackage(source).catch((cause: unknown) => {
        throw new Error(`no such file or directory: ${path}, and ${cause instanceof Error ? cause.message : String(cause)}`);
      });
    }
    if (info === undefined) throw new Error(`no such file or directory: ${path}`);
    return pathToFileURL(info.isDirectory() ? join(path, "plugin.json") : path);
  },
  async sha256Hex(bytes) {
    return createHash("sha256").update(bytes).digest("hex");
  },
  equalBytes: (a, b) => a.byteLength === b.byteLength && Buffer.compare(a, b) === 0,
  async readBytes(url, maxBytes, within) {
    if (url.protocol === "file:") return readRegularFile(fileURLToPath(url), maxBytes, within?.protocol === "file:" ? fileURLToPath(within) : undefined);
    return readResponse(await fetch(url), url, maxBytes);
  },
  loadExtism,
  // Deno refuses Extism's default worker flag (--disable-warning=ExperimentalWarning) with "invalid execArgv flags".
  ...(serverRuntime() === "deno" ? { extismWorkerExecArgv: [] } : {}),
  cores: () => Math.max(1, availableParallelism()),
  serveWasi,
};
