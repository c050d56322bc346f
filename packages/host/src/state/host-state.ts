import { ConfigStore } from "./config-store.ts";
import { EventBus } from "./event-bus.ts";
import { KvStore } from "./kv-store.ts";
import { LogStore } from "./log-store.ts";
import { MemoryStore } from "./memory-store.ts";
import { ThreadStore } from "./thread-store.ts";
import { StorageLink, type HostPersistence } from "../transaction.ts";

/**
 * Everything the host functions read and write, shared by all plugins of one engine.
 * (In memory; the storage layer persists it.)
 */
export class HostState {
  readonly kv = new KvStore();
  /** Each plugin's merged config (`ts_config_get`, `engine.config`). */
  readonly config = new ConfigStore();
  /** Each plugin's log ring buffer (`ts_log`, Extism's log functions, `engine.logs`). */
  readonly logs = new LogStore();
  /** Events: built-in topics, `ts_event_emit` and the embedder's `engine.events`. */
  readonly events = new EventBus();
  readonly memories = new MemoryStore(this.events);
  readonly threads = new ThreadStore(this.events);
  /** Where committed writes of kv, memories and threads go: the persistence the host was built with. */
  readonly storage: StorageLink;

  constructor(persistence?: HostPersistence) {
    this.storage = new StorageLink(persistence);
    this.kv.persist(this.storage);
    this.memories.persist(this.storage);
    this.threads.persist(this.storage);
  }
}
