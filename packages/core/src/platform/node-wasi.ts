import { createRequire } from "node:module";
import { openSync, realpathSync, statSync } from "node:fs";
import { devNull } from "node:os";
import { isAbsolute, resolve, sep } from "node:path";
import { ThreadspaceError } from "@threadspace/errors";
import type { ServeWasi, ServedWasi, ServedWasiOptions } from "../wasi/served-wasi.ts";
import { loadWasiQuietly } from "./quiet-wasi.ts";

const ERRNO_NOSYS = 52;
const ERRNO_ROFS = 69;
const ERRNO_NOTCAPABLE = 76;
const ERRNO_NOTSUP = 58;
const OFLAGS_WRITING = 0x1 | 0x4 | 0x8; // creat, excl, trunc
const FDFLAGS_APPEND = 0x1;
/** Rights an fd opened under a read-only mount keeps: read, seek, tell, advise, path_open, readdir, readlink, the filestat gets, poll. */
const READ_RIGHTS = [1, 2, 5, 7, 13, 14, 15, 18, 21, 27].reduce((mask, bit) => mask | (1n << BigInt(bit)), 0n);
/** Functions that change the file system through a path or an fd, refused under a mount. */
const MUTATING = ["path_create_directory", "path_filestat_set_times", "path_link", "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file"];
const MUTATING_FD = ["fd_allocate", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pwrite"];
const MAX_LINE = 4096;
const ERRNO_INVAL = 28;
/** Most iovecs one fd_write may pass (IOV_MAX in wasi-libc): more is EINVAL, not a long loop on the engine's thread. */
const MAX_IOVECS = 1024;

type WasiFunction = (...args: never[]) => number | undefined;

let nulls: readonly [number, number] | undefined;
/**
 * The /dev/null descriptors every plugin's WASI stdin, stdout and stderr stand on: opened once
 * per process (a worker is handed the engine's: descriptors are process-wide) and never closed,
 * since a plugin cannot close or renumber them (fd_close and fd_renumber of 0-2 are refused). So
 * no descriptor leaks when a worker is terminated, and none is closed twice.
 */
export function devNullPair(): readonly [number, number] {
  nulls ??= [openSync(devNull, "r"), openSync(devNull, "w")];
  return nulls;
}

/** Splits a stream's bytes into lines for the log; a line longer than {@link MAX_LINE} is cut. */
class LineBuffer {
  #pending = "";
  readonly #decoder = new TextDecoder();
  constructor(readonly emit: (line: string) => void) {}
  push(bytes: Uint8Array): void {
    this.#pending += this.#decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = this.#pending.indexOf("\n")) !== -1 || this.#pending.length > MAX_LINE) {
      const end = newline === -1 ? MAX_LINE : newline;
      this.emit(this.#pending.slice(0, end));
      this.#pending = this.#pending.slice(newline === -1 ? end : end + 1);
    }
  }
  flush(): void {
    if (this.#pending.length > 0) this.emit(this.#pending);
    this.#pending = "";
  }
}

/** Where an fd the plugin holds points on the host (mount roots and what was opened under them), by real path. */
interface HostDir {
  readonly path: string;
  readonly root: string;
}

/**
 * node:wasi follows symlinks out of a preopened directory (Node's WASI is not a sandbox), so
 * every path the plugin opens or stats is resolved here first, symlinks and all, and refused
 * with ENOTCAPABLE unless it stays under its mount's real path. A path that does not exist is
 * left to node:wasi (it fails there). The plugin cannot make symlinks (the mount is read-only);
 * one the host swaps in between this check and the open is not covered.
 */
function escapes(dir: HostDir, path: string): boolean {
  let real: string;
  try {
    real = realpathSync(resolve(dir.path, path));
  } catch {
    return false;
  }
  return real !== dir.root && !real.startsWith(dir.root + sep);
}

function checkMounts(plugin: string, paths: Readonly<Record<string, string>>): void {
  for (const [guest, host] of Object.entries(paths)) {
    const where = `wasi.allowedPaths["${guest}"]`;
    if (!guest.startsWith("/")) throw new ThreadspaceError("bad_input", `${where}: the guest path must be absolute (start with "/").`, { plugin });
    if (typeof host !== "string" || !isAbsolute(host)) throw new ThreadspaceError("bad_input", `${where}: the host directory must be an absolute path; got ${JSON.stringify(host)}.`, { plugin });
    if (host.startsWith("ro:")) throw new ThreadspaceError("bad_input", `${where}: every mount is read-only already; drop the "ro:" prefix.`, { plugin });
    if (statSync(host, { throwIfNoEntry: false })?.isDirectory() !== true) throw new ThreadspaceError("bad_input", `${where}: ${host} is not a directory on this host.`, { plugin });
  }
}

/** One plugin instance's node:wasi behind the guards ({@link serveWasi}). */
function serve({ plugin, output, allowedPaths, stdio }: ServedWasiOptions): ServedWasi {
  checkMounts(plugin, allowedPaths);
  // Loaded here, not at import: node:wasi's ExperimentalWarning is held back (quiet-wasi.ts).
  loadWasiQuietly();
  let WASI: typeof import("node:wasi").WASI;
  try {
    ({ WASI } = createRequire(import.meta.url)("node:wasi") as typeof import("node:wasi"));
  } catch (cause) {
    throw new ThreadspaceError("bad_input", "wasi.output and wasi.allowedPaths need node:wasi, which this runtime does not have. Remove the option here.", { plugin, cause });
  }
  const nul = stdio ?? devNullPair();
  const wasi = new WASI({ version: "preview1", preopens: { ...allowedPaths }, stdin: nul[0], stdout: nul[1], stderr: nul[1], returnOnExit: true });
  const real = wasi.wasiImport as Record<string, (...args: unknown[]) => number>;
  let memory: WebAssembly.Memory | undefined;
  const streams = output === undefined ? undefined : { 1: new LineBuffer((line) => output("stdout", line)), 2: new LineBuffer((line) => output("stderr", line)) };
  const served: Record<string, WasiFunction> = {};
  for (const name of Object.keys(real)) {
    const fn = real[name]!;
    served[name] = ((...args: unknown[]) => (memory === undefined ? ERRNO_NOSYS : fn(...args))) as WasiFunction;
  }
  for (const name of MUTATING) served[name] = (() => ERRNO_ROFS) as WasiFunction;
  for (const name of MUTATING_FD) {
    const fn = served[name]!;
    served[name] = ((fd: number, ...rest: unknown[]) => (fd > 2 ? ERRNO_ROFS : (fn as (...a: unknown[]) => number)(fd, ...rest))) as WasiFunction;
  }
  // Preopens take fds 3, 4, ... in the order given.
  const dirs = new Map<number, HostDir>(Object.values(allowedPaths).map((host, i) => [3 + i, { path: realpathSync(host), root: realpathSync(host) }]));
  const pathAt = (ptr: number, len: number) => new TextDecoder().decode(new Uint8Array(memory!.buffer, ptr, len));
  const open = served["path_open"] as (...a: unknown[]) => number;
  served["path_open"] = ((dirfd: number, dirflags: number, path: number, pathLen: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, out: number) => {
    if ((oflags & OFLAGS_WRITING) !== 0 || (fdflags & FDFLAGS_APPEND) !== 0) return ERRNO_ROFS;
    const dir = dirs.get(dirfd);
    const relative = memory === undefined ? "" : pathAt(path, pathLen);
    if (dir !== undefined && escapes(dir, relative)) return ERRNO_NOTCAPABLE;
    const errno = open(dirfd, dirflags, path, pathLen, oflags, BigInt.asUintN(64, base) & READ_RIGHTS, BigInt.asUintN(64, inheriting) & READ_RIGHTS, fdflags, out);
    if (errno === 0 && dir !== undefined && memory !== undefined) {
      const fd = new DataView(memory.buffer).getUint32(out, true);
      try {
        dirs.set(fd, { path: realpathSync(resolve(dir.path, relative)), root: dir.root });
      } catch {
        dirs.delete(fd);
      }
    }
    return errno;
  }) as WasiFunction;
  const stat = served["path_filestat_get"] as (...a: unknown[]) => number;
  served["path_filestat_get"] = ((dirfd: number, flags: number, path: number, pathLen: number, buf: number) => {
    const dir = dirs.get(dirfd);
    if (dir !== undefined && memory !== undefined && escapes(dir, pathAt(path, pathLen))) return ERRNO_NOTCAPABLE;
    return stat(dirfd, flags, path, pathLen, buf);
  }) as WasiFunction;
  const close = served["fd_close"] as (...a: unknown[]) => number;
  served["fd_close"] = ((fd: number) => {
    // stdin, stdout and stderr are /dev/null descriptors shared by every plugin of the process: never closed.
    if (fd >= 0 && fd <= 2) return 0;
    const errno = close(fd);
    if (errno === 0 && fd > 2 + Object.keys(allowedPaths).length) dirs.delete(fd);
    return errno;
  }) as WasiFunction;
  const renumber = served["fd_renumber"] as (...a: unknown[]) => number;
  served["fd_renumber"] = ((from: number, to: number) => {
    if (from <= 2 || to <= 2) return ERRNO_NOTSUP;
    const errno = renumber(from, to);
    if (errno === 0) {
      const dir = dirs.get(from);
      dirs.delete(from);
      if (dir === undefined) dirs.delete(to);
      else dirs.set(to, dir);
    }
    return errno;
  }) as WasiFunction;
  const write = served["fd_write"] as (...a: unknown[]) => number;
  served["fd_write"] = ((fd: number, iovs: number, count: number, written: number) => {
    if (fd > 2) return ERRNO_ROFS;
    const stream = streams?.[fd as 1 | 2];
    if (stream === undefined || memory === undefined) return write(fd, iovs, count, written);
    if (count > MAX_IOVECS) return ERRNO_INVAL;
    const view = new DataView(memory.buffer);
    let total = 0;
    for (let i = 0; i < count; i++) {
      const ptr = view.getUint32(iovs + i * 8, true);
      const len = view.getUint32(iovs + i * 8 + 4, true);
      stream.push(new Uint8Array(memory.buffer, ptr, len));
      total += len;
    }
    view.setUint32(written, total, true);
    return 0;
  }) as WasiFunction;
  return {
    functions: served,
    bind(instanceMemory) {
      memory = instanceMemory;
      wasi.initialize({ exports: { memory: instanceMemory } });
    },
    close() {
      streams?.[1].flush();
      streams?.[2].flush();
    },
  };
}

/**
 * Node's WASI (node:wasi) behind guards: stdout/stderr go to `output` line by line (or nowhere),
 * and every mount is read-only (files open without write rights, no create/truncate/append, and
 * every function that changes the file system fails with EROFS inside the plugin). In a worker,
 * `stdio` passes the engine's /dev/null descriptors ({@link devNullPair}, also `serveWasi.stdio`).
 */
export const serveWasi: ServeWasi = Object.assign(serve, { stdio: devNullPair });

