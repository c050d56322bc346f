import { watch } from "node:fs";
import { isThreadspaceError, messageOf } from "@threadspace/errors";
import { isStale } from "../build/stale.ts";
import { locateBundle } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_OK, displayPath } from "../output.ts";
import { buildBundle, readBundleManifest, type BuildOptions } from "./build.ts";

/** Options of {@link buildWatch}. */
export interface WatchOptions extends BuildOptions {
  /** Stops watching (the command line stops on Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Told after every build: true when it succeeded. */
  readonly onBuild?: (ok: boolean) => void;
  /** Quiet time after the last change before building, in ms (default 150). */
  readonly settleMs?: number;
}

/** Folders under the plugin whose changes never need a build. */
const IGNORED = /^(node_modules|\.threadspace|\.git|tests|dist)(\/|$)/;

/**
 * `threadspace build --watch [dir]`: builds, then builds again whenever a source changes (src/,
 * plugin.json, asconfig.json), until stopped. Errors print as `file:line:col: message` relative to
 * the working directory and the watch goes on. A `threadspace run` session on the same folder
 * installs each new build (it watches the wasm and plugin.json).
 */
export async function buildWatch(io: CliIo, target = ".", options: WatchOptions = {}): Promise<number> {
  const { dir, manifestPath } = await locateBundle(io, target);
  const shown = displayPath(io, dir);
  let running = false;
  let again = false;
  const buildOnce = async (force: boolean): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const manifest = await readBundleManifest(io, manifestPath);
      // A change that leaves the wasm up to date (our own write of plugin.json's hash) needs no build.
      if (!force && !isStale(dir, manifest)) return;
      await buildBundle(io, dir, options);
      options.onBuild?.(true);
    } catch (error) {
      io.stderr(`✗ ${isThreadspaceError(error) ? `[${error.code}] ` : ""}${messageOf(error)}\n`);
      options.onBuild?.(false);
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      await buildOnce(false);
    }
  };
  await buildOnce(true);
  io.stderr(`watching ${shown === "." ? "this folder" : shown} (src/, plugin.json); Ctrl-C stops\n`);
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, { recursive: true }, (_event, name) => {
    if (name === null) return;
    const file = String(name).replaceAll("\\", "/");
    if (IGNORED.test(file) || file.endsWith(".wasm")) return;
    clearTimeout(timer);
    timer = setTimeout(() => void buildOnce(false), options.settleMs ?? 150);
  });
  await new Promise<void>((done) => {
    watcher.on("error", (error) => {
      io.stderr(`✗ watching ${shown} failed: ${messageOf(error)}\n`);
      done();
    });
    if (options.signal?.aborted === true) done();
    options.signal?.addEventListener("abort", () => done(), { once: true });
  });
  clearTimeout(timer);
  watcher.close();
  return EXIT_OK;
}
