import type { Engine, LogEntry, TopicEvent } from "@threadspace/core";

/** Events and log lines a test engine saw, in order, kept until the harness closes (or `clear()`). */
export class Captured {
  readonly #engine: Engine;
  #plugin = "";
  readonly #logs: LogEntry[] = [];
  #eventsSeen = -1;
  readonly #events: TopicEvent[] = [];
  readonly #offLog: () => void;

  /** Starts capturing (before the plugin installs, so that what `init_plugin` logs is kept too). */
  constructor(engine: Engine) {
    this.#engine = engine;
    this.#offLog = engine.onLog((entry) => {
      if (this.#plugin === "" || entry.plugin === this.#plugin) this.#logs.push(entry);
    });
  }

  /** Keeps only this plugin's log lines from now on (and drops others captured before). */
  focus(plugin: string): void {
    this.#plugin = plugin;
    for (let i = this.#logs.length - 1; i >= 0; i--) if (this.#logs[i]?.plugin !== plugin) this.#logs.splice(i, 1);
  }

  /** Every event published since the harness started (plugin, embedder and engine), oldest first. */
  get events(): readonly TopicEvent[] {
    for (const event of this.#engine.events.recent({ since: this.#eventsSeen })) {
      this.#eventsSeen = event.seq;
      this.#events.push({ topic: event.topic, payload: event.payload, source: event.source, at: event.at });
    }
    return this.#events;
  }

  /** Events the plugin under test published (its own topics and the engine's `memory.*`/`thread.*` for its writes). */
  get emitted(): readonly TopicEvent[] {
    return this.events.filter((event) => event.source === this.#plugin);
  }

  /** The plugin's log lines (its `ts_log` calls and what the engine logged about it), oldest first. */
  get logs(): readonly LogEntry[] {
    return this.#logs;
  }

  /** Forgets what was captured so far (events and logs), e.g. between the steps of one test. */
  clear(): void {
    void this.events;
    this.#events.length = 0;
    this.#logs.length = 0;
  }

  stop(): void {
    this.#offLog();
  }
}
