import { KvStore } from "./kv-store.ts";

/**
 * Everything the host functions read and write, shared by all plugins of one engine.
 * (In memory; the storage layer persists it.)
 */
export class HostState {
  readonly kv = new KvStore();
}
