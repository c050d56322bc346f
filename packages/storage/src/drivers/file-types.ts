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
  /** Told when opening dropped a torn last record (a commit that never resolved), or salvaged a damaged log. Default: `console.warn`. */
  readonly onRecover?: ((info: RecoveryInfo) => void) | undefined;
  /**
   * Open a log damaged before its end (which otherwise fails with `storage_unavailable`): keep
   * every intact record, copy the damaged file aside (`threadspace.log.damaged-<time>`, fsynced),
   * and write a new log of what was kept. The commits in the damaged spans are lost; `onRecover`
   * says which bytes and where the old file went. Meant for one explicit open after that error.
   */
  readonly salvage?: boolean | undefined;
}

/** What opening dropped: a torn tail (a commit being written when the process died), or with `salvage` damaged spans. */
export interface RecoveryInfo {
  readonly path: string;
  readonly droppedBytes: number;
  readonly reason: string;
  /** With `salvage`: where the damaged file was copied, byte for byte. */
  readonly movedTo?: string | undefined;
  /** With `salvage`: each damaged span skipped (its offset, size and what was wrong). */
  readonly skipped?: readonly { readonly at: number; readonly bytes: number; readonly reason: string }[] | undefined;
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
