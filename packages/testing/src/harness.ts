import type { CallInput, CallOptions, CallResult, Engine, LogEntry, MemoryInput, MemoryRecord, PluginInfo, ThreadEntry, ThreadRecord, TopicEvent } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import type { PermissionName } from "@threadspace/manifest";
import { Captured } from "./captured.ts";

/** A thread to seed: its fields and the entries appended to it, in order. */
export interface ThreadSeed {
  readonly id?: string;
  readonly title?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Entries as text (author `"host"`) or `{ content, author }`. */
  readonly entries?: readonly (string | { readonly content: string; readonly author?: string })[];
}

/** `t.memories`: the test engine's memories, seedable and inspectable. */
export interface HarnessMemories {
  /** Stores memories (text, or `{ content, tags?, threadId?, id? }`) before the calls that read them; returns the records. */
  seed(memories: readonly (string | MemoryInput)[]): Promise<MemoryRecord[]>;
  /** Every memory, most recently written first. */
  all(): MemoryRecord[];
  get(id: string): MemoryRecord | undefined;
  query: Engine["memories"]["query"];
}

/** `t.threads`: the test engine's threads, seedable and inspectable. */
export interface HarnessThreads {
  /** Creates threads with their entries; returns the thread records. */
  seed(threads: readonly ThreadSeed[]): Promise<ThreadRecord[]>;
  list(): ThreadRecord[];
  get(id: string): ThreadRecord | undefined;
  /** A thread's entries, oldest first. */
  entries(threadId: string): ThreadEntry[];
}

/** `t.kv`: the plugin's key-value state. */
export interface HarnessKv {
  get(key: string): unknown;
  set(key: string, value: unknown): Promise<void>;
  /** Sets every key of `values` (before the calls that read them). */
  seed(values: Readonly<Record<string, unknown>>): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Keys (with `prefix`), sorted. */
  keys(prefix?: string): string[];
  /** Every key and value. */
  entries(): Record<string, unknown>;
}

/** `t.config`: the plugin's config (plugin.json's `config` with overrides merged). */
export interface HarnessConfig {
  /** Applies overrides (a JSON merge patch, checked against `configSchema`); the plugin's `on_config_change` runs. */
  set(overrides: Readonly<Record<string, unknown>>): Promise<void>;
  /** Back to plugin.json's defaults. */
  reset(): Promise<void>;
  /** The merged config the plugin reads. */
  get(): Record<string, unknown>;
}

/** One call the plugin under test made, as the harness saw it. */
export interface RecordedCall {
  readonly export: string;
  readonly result?: CallResult;
  readonly error?: unknown;
}

/**
 * A plugin installed in a test engine (see {@link testPlugin}): call its exports, seed and inspect
 * the host state it reads and writes, and read what it emitted and logged. Close it when done
 * (`@threadspace/testing/vitest` closes every harness after each test).
 */
export class PluginHarness {
  /** The plugin's name (plugin.json). */
  readonly name: string;
  /** The plugin's folder (or the source it was installed from). */
  readonly dir: string;
  /** The test engine (a real `@threadspace/core` engine, in-memory storage): for anything the harness does not wrap. */
  readonly engine: Engine;
  readonly memories: HarnessMemories;
  readonly threads: HarnessThreads;
  readonly kv: HarnessKv;
  readonly config: HarnessConfig;
  /** Calls made through {@link call}, in order. */
  readonly calls: RecordedCall[] = [];
  readonly #captured: Captured;
  #closed = false;

  /** @internal Made by {@link testPlugin}; `captured` started before the install. */
  constructor(engine: Engine, name: string, dir: string, captured: Captured) {
    this.engine = engine;
    this.name = name;
    this.dir = dir;
    this.#captured = captured;
    captured.focus(name);
    this.memories = {
      seed: async (items) => {
        const out: MemoryRecord[] = [];
        for (const item of items) out.push(await engine.memories.put(typeof item === "string" ? { content: item } : item, { durable: true }));
        return out;
      },
      all: () => engine.memories.query({ limit: 1000 }),
      get: (id) => engine.memories.get(id),
      query: (query) => engine.memories.query(query),
    };
    this.threads = {
      seed: async (items) => {
        const out: ThreadRecord[] = [];
        for (const item of items) {
          const { entries = [], ...fields } = item;
          const thread = await engine.threads.create(fields, { durable: true });
          for (const entry of entries) {
            await engine.threads.append(typeof entry === "string" ? { threadId: thread.id, content: entry } : { threadId: thread.id, ...entry }, { durable: true });
          }
          out.push(engine.threads.get(thread.id) ?? thread);
        }
        return out;
      },
      list: () => engine.threads.list({ limit: 1000 }),
      get: (id) => engine.threads.get(id),
      entries: (threadId) => engine.threads.read({ threadId, limit: 1000 }),
    };
    const kv = () => engine.kv(name);
    this.kv = {
      get: (key) => kv().get(key),
      set: (key, value) => kv().set(key, value, { durable: true }),
      seed: async (values) => {
        for (const [key, value] of Object.entries(values)) await kv().set(key, value, { durable: true });
      },
      delete: (key) => kv().delete(key, { durable: true }),
      keys: (prefix) => kv().keys(prefix),
      entries: () => Object.fromEntries(kv().keys().map((key) => [key, kv().get(key)])),
    };
    this.config = {
      set: async (overrides) => void (await engine.config.set(name, { ...overrides })),
      reset: async () => void (await engine.config.reset(name)),
      get: () => engine.config.get(name) as Record<string, unknown>,
    };
  }

  /**
   * Calls an export (input: text, bytes or a JSON value; options: `{ fuel }` and the like).
   * Rejects with the engine's `ThreadspaceError` (`expect(t.call(...)).toFailWith("plugin_error")`).
   */
  async call(exportName: string, input?: CallInput, options?: CallOptions): Promise<CallResult> {
    try {
      const result = await this.engine.call(this.name, exportName, input, options);
      this.calls.push({ export: exportName, result });
      return result;
    } catch (error) {
      this.calls.push({ export: exportName, error });
      throw error;
    }
  }

  /** Calls an export and parses its output as JSON. */
  async json<T = unknown>(exportName: string, input?: CallInput, options?: CallOptions): Promise<T> {
    return (await this.call(exportName, input, options)).json<T>();
  }

  /** Grants permissions (whether or not plugin.json asks for them: the engine decides). */
  grant(...permissions: readonly (PermissionName | readonly PermissionName[])[]): Promise<void> {
    return this.engine.permissions.grant(this.name, permissions.flat() as PermissionName[]);
  }

  /** Revokes permissions: the plugin's next host calls that need them get `permission_denied`. */
  revoke(...permissions: readonly (PermissionName | readonly PermissionName[])[]): Promise<void> {
    return this.engine.permissions.revoke(this.name, permissions.flat() as PermissionName[]);
  }

  /** The permissions it holds now. */
  get granted(): PermissionName[] {
    return this.engine.permissions.list(this.name);
  }

  /** What the engine says about it (state, exports, limits, ...). */
  get info(): PluginInfo {
    const info = this.engine.get(this.name);
    if (info === undefined) throw new ThreadspaceError("plugin_not_found", `[threadspace/testing] ${this.name} is no longer installed in the test engine (uninstalled through t.engine?).`, { plugin: this.name });
    return info;
  }

  /** Every event published since the harness started (by anyone), oldest first. */
  get events(): readonly TopicEvent[] {
    return this.#captured.events;
  }

  /** The events this plugin published: its own topics, and `memory.*` / `thread.*` for its writes. */
  get emitted(): readonly TopicEvent[] {
    return this.#captured.emitted;
  }

  /** The plugin's log lines, oldest first (every level: the harness logs at `trace`). */
  get logs(): readonly LogEntry[] {
    return this.#captured.logs;
  }

  /** Publishes an event as the host (a plugin subscribed to it gets it in `on_event`). */
  emit(topic: string, payload?: unknown): void {
    this.engine.events.emit(topic, payload);
  }

  /** Forgets captured events, logs and calls (the host state stays). */
  clear(): void {
    this.#captured.clear();
    this.calls.length = 0;
  }

  /** Unloads the plugin (its `cleanup` runs) and closes the engine. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#captured.stop();
    await this.engine.close();
  }

  get closed(): boolean {
    return this.#closed;
  }
}
