import { ThreadspaceError } from "@threadspace/errors";
import { storedCommit, type Host } from "@threadspace/host";
import { DELETE, typedStore, type OwnerRecord, type StorageWrite } from "@threadspace/storage";
import { platform } from "#platform";
import type { SourceBundle } from "../install/read-source.ts";
import type { Committer } from "./committer.ts";

/** Who the data under a plugin name belongs to: the wasm's sha256 (null for a precompiled module) and the signer's key id (null when unsigned). */
export interface DataOwner {
  readonly hash: string | null;
  readonly signer: string | null;
}

/** Data kept under a plugin name that is not installed, and whose it is (`engine.data.kept`). */
export interface KeptData {
  readonly owner: DataOwner | null;
  /** Keys of its key-value state. */
  readonly kv: number;
  /** Memories it wrote last (with a storage driver; without one memories have no owner). */
  readonly memories: number;
  /** Threads it created, and entries it appended (with a storage driver). */
  readonly threads: number;
  readonly entries: number;
}

/** What `engine.uninstall` did. */
export interface UninstallResult {
  /** The plugins uninstalled: the named one, after its dependents under `{ cascade: true }`. */
  readonly uninstalled: readonly string[];
  /** `kept` (bound to the plugin: see {@link KeptData}) or `removed` (`{ keepData: false }`). */
  readonly data: "kept" | "removed";
  /** What is kept under the named plugin (all zero when removed). */
  readonly kept: KeptData;
}

/** The embedder's handle on data kept after uninstall (`engine.data`). */
export interface EngineData {
  /** What is kept under `name`, which is not installed, and whose it is; `undefined` when nothing is (or it is installed). */
  kept(name: string): KeptData | undefined;
  /**
   * Removes what is kept under `name` (not installed: else `bad_input`), and forgets the grants the
   * embedder gave the plugin under it (every build); resolves with what was removed once stored.
   * Call it for a name whose data was kept and is no longer wanted: nothing of the name stays after.
   */
  remove(name: string): Promise<KeptData>;
}

const sameOwner = (a: DataOwner, b: DataOwner): boolean => (a.signer !== null && a.signer === b.signer) || (a.hash !== null && a.hash === b.hash) || (a.hash === null && b.hash === null && a.signer === b.signer);

const describeOwner = (owner: DataOwner | null): string =>
  owner === null ? "a plugin installed before owners were recorded" : owner.signer !== null ? `the plugin signed by ${owner.signer}` : owner.hash !== null ? `the plugin with wasm ${owner.hash}` : "a plugin installed from a precompiled module";

/**
 * Whose data is under each plugin name, and the removal of a plugin's data. The data of a name:
 * its kv (always), and with a storage driver the memories, threads and entries that count against
 * its quota. It is bound to the plugin that wrote it (an `owners` record: wasm sha256, signer):
 * the same plugin installed again gets it back; a different one only when the embedder says so.
 * Removing deletes the kv and memories, forgets the grants the embedder gave the plugin under the
 * name (any build of it), and hands threads and entries (append-only streams other
 * plugins may read and extend) to the host, so that they no longer count against the name.
 */
export class PluginData {
  readonly #host: Host;
  readonly #committer: Committer | undefined;
  readonly #owners = new Map<string, DataOwner>();

  constructor(host: Host, committer: Committer | undefined) {
    this.#host = host;
    this.#committer = committer;
  }

  /** Loads the stored owner records (at start). */
  async restore(): Promise<void> {
    if (this.#committer === undefined) return;
    for (const { key, value } of await typedStore(this.#committer.driver, "owners").scan()) this.#owners.set(key, { hash: value.hash, signer: value.signer });
  }

  /** The identity of a bundle about to be installed. */
  async identityOf(bundle: SourceBundle): Promise<DataOwner> {
    const hash = bundle.wasm instanceof Uint8Array ? ((await bundle.sha256) ?? `sha256:${await platform.sha256Hex(bundle.wasm)}`) : null;
    const status = bundle.signature;
    return { hash, signer: status !== undefined && status.state !== "unsigned" ? status.keyId : null };
  }

  /** Counts the data under `name` (installed or not). */
  count(name: string): KeptData {
    const kv = this.#host.state.kv.forPlugin(name).keys().length;
    const owned = this.#committer?.ledger.ownedBy(name) ?? [];
    const of = (store: string) => owned.filter((entry) => entry.store === store).length;
    return { owner: this.#owners.get(name) ?? null, kv, memories: of("memories"), threads: of("threads"), entries: of("entries") };
  }

  /** {@link count}, or undefined when there is nothing. */
  kept(name: string): KeptData | undefined {
    const counted = this.count(name);
    return counted.kv + counted.memories + counted.threads + counted.entries === 0 ? undefined : counted;
  }

  /**
   * Before installing `name` as `identity`: nothing kept, or kept by the same plugin: fine. Kept by
   * another plugin: `data: "inherit"` hands it over, `"discard"` removes it, else `data_conflict`.
   */
  async admit(name: string, identity: DataOwner, choice: "inherit" | "discard" | undefined): Promise<void> {
    const kept = this.kept(name);
    if (kept === undefined || (kept.owner !== null && sameOwner(kept.owner, identity)) || choice === "inherit") return;
    if (choice === "discard") {
      await this.remove(name);
      return;
    }
    throw new ThreadspaceError(
      "data_conflict",
      `data is kept under this name (${kept.kv} kv keys, ${kept.memories} memories, ${kept.threads} threads, ${kept.entries} entries) for ${describeOwner(kept.owner)}, and this is a different plugin. Install it with { data: "inherit" } to hand it that data, or { data: "discard" } (or engine.data.remove(name) first) to start empty.`,
      { plugin: name },
    );
  }

  /** Records that the data under `name` belongs to `identity` (after an install). */
  async claim(name: string, identity: DataOwner): Promise<void> {
    const previous = this.#owners.get(name);
    if (previous !== undefined && previous.hash === identity.hash && previous.signer === identity.signer) return;
    this.#owners.set(name, identity);
    const record: OwnerRecord = { hash: identity.hash, signer: identity.signer, since: Date.now() };
    await this.#committer?.commit([{ store: "owners", key: name, value: record }]);
  }

  /**
   * After an uninstall that keeps the data: a name with nothing kept under it keeps no owner
   * record either (there is nothing to bind), so names uninstalled empty leave nothing behind.
   */
  async releaseEmpty(names: readonly string[]): Promise<void> {
    const writes: StorageWrite[] = [];
    for (const name of names) {
      if (!this.#owners.has(name) || this.kept(name) !== undefined) continue;
      this.#owners.delete(name);
      writes.push({ store: "owners", key: name, value: DELETE });
    }
    if (writes.length > 0) await this.#committer?.commit(writes);
  }

  /** Removes the data under `name` and its owner record; resolves with what was removed once stored. */
  async remove(name: string): Promise<KeptData> {
    const removed = this.count(name);
    const owned = this.#committer?.ledger.ownedBy(name) ?? [];
    const state = this.#host.state;
    // kv and memories: deleted through the host's state (memory.deleted events), stored before they apply.
    await storedCommit(state.storage, "host", (tx) => {
      for (const key of state.kv.keys(tx, name)) state.kv.delete(tx, name, key);
      for (const { store, key } of owned) if (store === "memories") state.memories.delete(tx, key);
    });
    // Threads and entries stay (others may read and extend them) but are handed to the host.
    const writes: StorageWrite[] = [];
    const driver = this.#committer?.driver;
    for (const { store, key } of owned) {
      if (store !== "threads" && store !== "entries") continue;
      const row = await driver?.get(store, key);
      if (row !== undefined && typeof row === "object" && row !== null && !Array.isArray(row) && !(row instanceof Uint8Array)) writes.push({ store, key, value: { ...row, owner: "host" } });
    }
    this.#owners.delete(name);
    writes.push({ store: "owners", key: name, value: DELETE });
    // The grants the embedder gave the plugin under this name go with its data (any build of it).
    for (const identity of await this.#forgetGrants(name)) writes.push({ store: "grants", key: identity, value: DELETE });
    if (writes.length > 0) await this.#committer?.commit(writes);
    return removed;
  }

  /** Forgets the grants remembered under `name` (in memory and, with storage, stored ones of any build); returns the stored identities to delete. */
  async #forgetGrants(name: string): Promise<string[]> {
    const identities = new Set(this.#host.permissions.forgetRemembered(name));
    const stored = (await this.#committer?.driver.scan("grants", { prefix: `${name}@` })) ?? [];
    // `prefix` also matches a longer name with an "@" in it: keep only `name@<sha256>`.
    for (const { key } of stored) if (!key.slice(name.length + 1).includes("@")) identities.add(key);
    return this.#committer === undefined ? [] : [...identities];
  }

  /** The embedder's API; `installed` tells whether a name is installed. */
  api(installed: (name: string) => boolean): EngineData {
    return {
      kept: (name) => (installed(name) ? undefined : this.kept(name)),
      remove: async (name) => {
        if (installed(name)) throw new ThreadspaceError("bad_input", `is installed: its data is in use. Uninstall it with { keepData: false } to remove its data with it.`, { plugin: name });
        return this.remove(name);
      },
    };
  }
}
