import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { CallTrace } from "../replay/trace.ts";

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Anything that can hand over output bytes (Extism's PluginOutput, or plain bytes). */
type OutputSource = { bytes(): Uint8Array } | Uint8Array | null;

/** What the plugin's export wrote as its output. */
export class CallResult {
  readonly #source: OutputSource;
  readonly #plugin: string;
  /**
   * Fuel the call used: the instructions the guest ran, counted by the metering rewrite
   * (docs/metering.md); the same for the same call on every runtime. Undefined when the plugin
   * is not metered (a precompiled module that was not metered at build time).
   */
  readonly fuel: number | undefined;
  /** The call's trace (`engine.call(..., { record: true })`, docs/replay.md); undefined when it was not recorded. */
  readonly trace: CallTrace | undefined;

  constructor(source: OutputSource, plugin: string, fuel?: number, trace?: CallTrace) {
    this.#source = source;
    this.#plugin = plugin;
    this.fuel = fuel;
    this.trace = trace;
  }

  /** The raw output bytes (empty when the plugin wrote none). */
  get bytes(): Uint8Array {
    const source = this.#source;
    if (source === null) return EMPTY;
    return source instanceof Uint8Array ? source : source.bytes();
  }

  /** The output decoded as UTF-8 (invalid sequences become U+FFFD). */
  text(): string {
    return decoder.decode(this.bytes);
  }

  /** The output parsed as JSON; throws `bad_output` with the reason when it is not JSON. */
  json<T = unknown>(): T {
    const text = this.text();
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
      throw new ThreadspaceError("bad_output", `the output is not JSON (${messageOf(cause)}): ${JSON.stringify(preview)}. Read it with text() or bytes().`, {
        plugin: this.#plugin,
        cause,
      });
    }
  }
}
