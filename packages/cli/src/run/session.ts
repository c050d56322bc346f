import { formatWithOptions } from "node:util";
import { isThreadspaceError, type Engine, type LogEntry, type MemoryInput } from "@threadspace/core";
import { PERMISSIONS, type PermissionName } from "@threadspace/manifest";
import { parseRunInput, splitCommand } from "./parse-input.ts";

/** Where a {@link RunSession} prints: results on `out`, logs/events/notes on `note`, errors on `error`. */
export interface RunOutput {
  out(text: string): void;
  note(text: string): void;
  error(text: string): void;
}

/** One command of the prompt. */
interface Command {
  readonly usage: string;
  readonly help: string;
  run(args: string): Promise<void> | void;
}

const show = (value: unknown): string => formatWithOptions({ colors: false, depth: 6, breakLength: 120 }, "%O", value);

/**
 * The commands of `threadspace run`'s prompt over one engine and one plugin: call exports (text
 * or JSON input), grant and revoke, set config, seed and list memories, show kv, logs, events and
 * health, reload. The prompt (repl.ts) and `--eval` both drive it; it never touches the terminal.
 */
export class RunSession {
  readonly #engine: Engine;
  #plugin: string;
  readonly #print: RunOutput;
  readonly #reinstall: () => Promise<string>;
  readonly #commands: Map<string, Command>;
  #lastEvent = -1;
  #failures = 0;
  readonly #offLog: () => void;

  /**
   * @param reinstall installs the plugin again from its source (`reload`, and `build --watch` through the file watcher); returns its name.
   */
  constructor(engine: Engine, plugin: string, print: RunOutput, reinstall: () => Promise<string>) {
    this.#engine = engine;
    this.#plugin = plugin;
    this.#print = print;
    this.#reinstall = reinstall;
    this.#lastEvent = engine.events.recent().at(-1)?.seq ?? -1;
    this.#offLog = engine.onLog((entry) => this.#printLog(entry));
    this.#commands = new Map<string, Command>([
      ["help", { usage: "help", help: "this list", run: () => this.#help() }],
      ["exports", { usage: "exports", help: "the plugin's exports", run: () => print.out(`${this.exports().join("  ")}\n`) }],
      ["call", { usage: "call <export> [input]", help: "call an export (also: <export> [input]); input is text, or JSON when it starts with { [ or \"", run: (args) => this.#call(args) }],
      ["grant", { usage: "grant <permission...|all>", help: "grant permissions (all: what plugin.json asks for)", run: (args) => this.#permissions("grant", args) }],
      ["revoke", { usage: "revoke <permission...|all>", help: "revoke permissions", run: (args) => this.#permissions("revoke", args) }],
      ["config", { usage: "config [{json} | key=value | reset]", help: "show the config, merge overrides, or reset to plugin.json's", run: (args) => this.#config(args) }],
      ["seed", { usage: "seed <text> [#tag ...] | seed {json}", help: "store a memory (the plugin reads it with memory:read)", run: (args) => this.#seed(args) }],
      ["memories", { usage: "memories [tag]", help: "list memories (with that tag)", run: (args) => this.#memories(args) }],
      ["kv", { usage: "kv", help: "the plugin's key-value state", run: () => this.#kv() }],
      ["events", { usage: "events", help: "the last events published", run: () => this.#events() }],
      ["logs", { usage: "logs", help: "the plugin's last log lines", run: () => this.#logs() }],
      ["health", { usage: "health", help: "the plugin's health_check and the engine's view", run: () => this.#health() }],
      ["reload", { usage: "reload", help: "install the plugin again from its source (build --watch does it on every build)", run: () => this.reload() }],
    ]);
  }

  /** The plugin's name. */
  get plugin(): string {
    return this.#plugin;
  }

  /** Commands that failed so far (`--eval` exits 1 when any did). */
  get failures(): number {
    return this.#failures;
  }

  /** The plugin's callable exports (lifecycle ones left out). */
  exports(): string[] {
    const lifecycle = new Set(["init_plugin", "get_metadata", "cleanup", "health_check", "on_event", "on_config_change"]);
    return (this.#engine.get(this.#plugin)?.exports ?? []).map((entry) => entry.name).filter((name) => !lifecycle.has(name));
  }

  /** Command and export names starting like the word being typed (for tab completion). */
  complete(line: string): [string[], string] {
    const words = line.trimStart().split(/\s+/);
    if (words.length <= 1) {
      const word = words[0] ?? "";
      const names = [...this.#commands.keys(), ...this.exports(), "exit"].filter((name) => name.startsWith(word));
      return [[...new Set(names)].sort(), word];
    }
    const [first, second = ""] = words;
    const candidates = first === "call" && words.length === 2 ? this.exports() : first === "grant" || first === "revoke" ? [...PERMISSIONS, "all"] : [];
    const word = first === "grant" || first === "revoke" ? (words.at(-1) ?? "") : second;
    return [candidates.filter((name) => name.startsWith(word)), word];
  }

  /** Runs one command line; false when it asked to leave (`exit`). Errors are printed, never thrown. */
  async execute(line: string): Promise<boolean> {
    const [name, args] = splitCommand(line);
    if (name === "") return true;
    if (name === "exit" || name === "quit" || name === ".exit") return false;
    try {
      const command = this.#commands.get(name);
      if (command !== undefined) await command.run(args);
      else if (this.exports().includes(name)) await this.#call(line.trim());
      else throw new Error(`unknown command or export "${name}". Exports: ${this.exports().join(", ") || "(none)"}; commands: help.`);
    } catch (error) {
      this.#failures++;
      this.#print.error(isThreadspaceError(error) ? `[${error.code}] ${error.message}\n` : `${error instanceof Error ? error.message : String(error)}\n`);
    }
    this.flushEvents();
    return true;
  }

  /** Prints the events published since the last flush (the prompt calls it on a timer too). */
  flushEvents(): void {
    for (const event of this.#engine.events.recent({ since: this.#lastEvent })) {
      this.#lastEvent = event.seq;
      this.#print.note(`event ${event.topic} ${JSON.stringify(event.payload)} (from ${event.source})\n`);
    }
  }

  /** Installs the plugin again from its source, keeping its data and config. */
  async reload(): Promise<void> {
    this.#plugin = await this.#reinstall();
    this.#print.note(`reloaded ${this.#plugin}: ${this.exports().join(", ")}\n`);
  }

  /** Stops printing the engine's logs. */
  close(): void {
    this.#offLog();
  }

  #printLog(entry: LogEntry): void {
    if (entry.plugin !== this.#plugin) return;
    this.#print.note(`log ${entry.level} ${entry.message}${Object.keys(entry.fields).length === 0 ? "" : ` ${JSON.stringify(entry.fields)}`}\n`);
  }

  #help(): void {
    const width = Math.max(...[...this.#commands.values()].map((c) => c.usage.length));
    const lines = [...this.#commands.values()].map((c) => `  ${c.usage.padEnd(width)}  ${c.help}`);
    this.#print.out(`${lines.join("\n")}\n  ${"exit".padEnd(width)}  leave (also Ctrl-D)\nExports of ${this.#plugin}: ${this.exports().join(", ") || "(none)"}\n`);
  }

  async #call(args: string): Promise<void> {
    const [exportName, rest] = splitCommand(args);
    if (exportName === "") throw new Error("call <export> [input]: name an export.");
    const input = parseRunInput(rest);
    const started = performance.now();
    const result = await this.#engine.call(this.#plugin, exportName, input);
    const ms = performance.now() - started;
    const text = result.text();
    let shown = text;
    try {
      if (/^[[{]/.test(text.trim())) shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON: print the text
    }
    this.#print.out(`${shown}\n`);
    this.#print.note(`(${exportName}: ${result.bytes.byteLength} bytes${result.fuel === undefined ? "" : `, fuel ${result.fuel}`}, ${ms.toFixed(1)} ms)\n`);
  }

  async #permissions(verb: "grant" | "revoke", args: string): Promise<void> {
    const names = args.split(/[\s,]+/).filter((name) => name !== "");
    if (names.length === 0) throw new Error(`${verb} <permission...|all>: name at least one (${PERMISSIONS.join(", ")}).`);
    const requested = this.#engine.get(this.#plugin)?.permissions ?? [];
    const list = (names.includes("all") ? (verb === "grant" ? requested : this.#engine.permissions.list(this.#plugin)) : names) as PermissionName[];
    await this.#engine.permissions[verb](this.#plugin, list);
    this.#print.note(`granted now: ${this.#engine.permissions.list(this.#plugin).join(", ") || "(nothing)"}\n`);
  }

  async #config(args: string): Promise<void> {
    const text = args.trim();
    if (text === "reset") await this.#engine.config.reset(this.#plugin);
    else if (text.startsWith("{")) await this.#engine.config.set(this.#plugin, JSON.parse(text) as Record<string, unknown>);
    else if (text !== "") {
      const at = text.indexOf("=");
      if (at <= 0) throw new Error("config key=value, config {json} or config reset.");
      const raw = text.slice(at + 1).trim();
      let value: unknown = raw;
      try {
        value = JSON.parse(raw);
      } catch {
        // a bare word: a string
      }
      await this.#engine.config.set(this.#plugin, { [text.slice(0, at).trim()]: value });
    }
    this.#print.out(`${show(this.#engine.config.get(this.#plugin))}\n`);
  }

  async #seed(args: string): Promise<void> {
    const text = args.trim();
    if (text === "") throw new Error("seed <text> [#tag ...] or seed {json}: say what to remember.");
    let memory: MemoryInput;
    if (text.startsWith("{")) memory = JSON.parse(text) as MemoryInput;
    else {
      const tags = [...text.matchAll(/(?:^|\s)#([^\s#]+)/g)].map((match) => match[1] as string);
      memory = { content: text.replace(/(?:^|\s)#[^\s#]+/g, "").trim(), ...(tags.length === 0 ? {} : { tags }) };
    }
    const record = await this.#engine.memories.put(memory, { durable: true });
    this.#print.out(`memory ${record.id}${record.tags.length === 0 ? "" : ` #${record.tags.join(" #")}`}: ${record.content}\n`);
  }

  #memories(args: string): void {
    const tag = args.trim();
    const list = this.#engine.memories.query(tag === "" ? { limit: 100 } : { tag, limit: 100 });
    this.#print.out(list.length === 0 ? "(no memories)\n" : list.map((m) => `${m.id}${m.tags.length === 0 ? "" : ` #${m.tags.join(" #")}`}: ${m.content}\n`).join(""));
  }

  #kv(): void {
    const kv = this.#engine.kv(this.#plugin);
    const keys = kv.keys();
    this.#print.out(keys.length === 0 ? "(empty)\n" : keys.map((key) => `${key} = ${JSON.stringify(kv.get(key))}\n`).join(""));
  }

  #events(): void {
    const events = this.#engine.events.recent({ limit: 20 });
    this.#print.out(events.length === 0 ? "(no events)\n" : events.map((e) => `${e.seq} ${e.topic} ${JSON.stringify(e.payload)} (from ${e.source})\n`).join(""));
  }

  #logs(): void {
    const logs = this.#engine.logs(this.#plugin).slice(-20);
    this.#print.out(logs.length === 0 ? "(no log lines)\n" : logs.map((e) => `${e.level} ${e.message}\n`).join(""));
  }

  async #health(): Promise<void> {
    const report = await this.#engine.health(this.#plugin);
    this.#print.out(`${show({ status: report.status, message: report.message, metrics: report.metrics })}\n`);
  }
}
