import type { StorageDriver } from "../types.ts";

/** Options of `fileStorage` (`@threadspace/storage/file`). */
export interface FileStorageOptions {
  /** The directory of the store (created if missing). One driver per directory at a time. */
  readonly dir: string;
  /**
   * `strict` (default): a commit resolves after `fdatasync`, so it survives power loss.
   * `relaxed`: it resolves once the OS has the bytes: it survives a crash of the process, not of the machine.
   */
  readonly durability?: "strict" | "relaxed" | undefined;
  /**
   * When to rewrite the log with only live entries (write a new file, fsync, rename over the old
   * one): once it is at least `minBytes` (default 4 MiB) and `ratio` (default 2) times the live
   * data. `false` never compacts on its own (`compact()` still works).
   */
  readonly compaction?: { readonly minBytes?: number | undefined; readonly ratio?: number | undefined } | false | undefined;
  /** Told when opening dropped a torn last record (a commit that never resolved). Default: `console.warn`. */
  readonly onRecover?: ((info: RecoveryInfo) => void) | undefined;
}

/** A torn tail dropped on open: the bytes of a commit that was being written when the process died. */
export interface RecoveryInfo {
  readonly path: string;
  readonly droppedBytes: number;
  readonly reason: string;
}

/** What {@link FileStorageDriver.info} reports. */
export interface FileStorageInfo {
  readonly path: string;
  /** Size of the log. */
  readonly fileBytes: number;
  /** What the log would take if compacted now. */
  readonly liveBytes: number;
  readonly entries: number;
  readonly compactions: number;
}

/** The file driver: a {@link StorageDriver} plus compaction and figures. */
export interface FileStorageDriver extends StorageDriver {
  /** Rewrites the log with only live entries (write-temp, fsync, rename). */
  compact(): Promise<void>;
  info(): Promise<FileStorageInfo>;
}
