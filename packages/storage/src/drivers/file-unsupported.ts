import { ThreadspaceError } from "@threadspace/errors";
import type { FileStorageDriver, FileStorageOptions } from "./file-types.ts";

export type { FileStorageDriver, FileStorageInfo, FileStorageOptions, RecoveryInfo } from "./file-types.ts";

/** `@threadspace/storage/file` outside Node: there is no file system here; use `indexedDbStorage` in browsers. */
export function fileStorage(_options: FileStorageOptions): FileStorageDriver {
  throw new ThreadspaceError("storage_unavailable", "storage (file): fileStorage needs Node's file system; in a browser use indexedDbStorage({ name }) from @threadspace/storage.");
}
