import type { CallTransaction, ExtismCallContext, HostCallTap } from "@threadspace/host";
import type { CallTap } from "./call-tap.ts";
import { VarOverlay } from "./call-vars.ts";
import { encodePayload, payloadBytes, samePayload, type CallTrace, type HostExchange, type TracePayload } from "./trace.ts";

/** Serves a config to Extism's kernel for one call, and puts the plugin's own back. */
export interface KernelConfig {
  serve(config: Readonly<Record<string, unknown>>): void;
  restore(): void;
}

/** The first host call of a replay that is not the trace's: where, what the trace has, what the plugin asked (null: none). */
export interface HostDifference {
  readonly kind: "host";
  readonly index: number;
  readonly expected: HostExchange | null;
  readonly got: { readonly fn: string; readonly request: TracePayload | null } | null;
}

/**
 * Serves one replayed call's host calls from a trace, in order, without running any live host
 * function (so nothing is read from or written to the engine's state), and with the trace's
 * config served to Extism's `config_get` while the call runs. At the first request
 * that differs from the trace's (another function, other bytes, one more than the trace has) it
 * notes the difference and from then on answers every host call with an `unsupported` error.
 */
export class TraceReplayer implements CallTap, HostCallTap {
  readonly #host: readonly HostExchange[];
  readonly #config: Readonly<Record<string, unknown>>;
  readonly #kernelConfig: KernelConfig | undefined;
  #next = 0;
  #difference: HostDifference | undefined = undefined;
  #served = false;
  /** The trace's vars, served to the call's var_get (version 1 traces have none: the instance's own are read). */
  readonly vars: VarOverlay | undefined;

  /** `kernelConfig`: where the trace's config is served to Extism's `config_get` while the call runs. */
  constructor(trace: CallTrace, kernelConfig?: KernelConfig) {
    this.#host = trace.host;
    this.#config = trace.config;
    this.#kernelConfig = kernelConfig;
    this.vars = trace.version === 1 ? undefined : new VarOverlay(trace.vars ?? {}, trace.version === 2 ? undefined : (trace.wasi ?? []));
  }

  begin(tx: CallTransaction | undefined): void {
    if (tx !== undefined) tx.tap = this;
    // config_get is a pure read of the config: the recorded config answers every recorded read.
    this.#kernelConfig?.serve(this.#config);
    this.#served = true;
  }

  end(): void {
    if (!this.#served) return;
    this.#served = false;
    this.#kernelConfig?.restore();
  }

  exchange(fn: string, request: Uint8Array | null, context: ExtismCallContext): bigint {
    const index = this.#next++;
    const expected = this.#host[index];
    if (this.#difference === undefined) {
      const got = { fn, request: request === null ? null : encodePayload(request) };
      if (expected === undefined || expected.fn !== fn || !samePayload(expected.request, got.request)) this.#difference = { kind: "host", index, expected: expected ?? null, got };
    }
    if (this.#difference !== undefined || expected === undefined) {
      const message = `replay: host call ${index} (${fn}) is not the one the trace recorded at that point; the replay serves no more replies`;
      return context.store(JSON.stringify({ error: { code: "unsupported", message } }));
    }
    return expected.reply === null ? 0n : context.store(payloadBytes(expected.reply));
  }

  /** The first differing host call, counting host calls the trace has and the replay never made. */
  difference(): HostDifference | undefined {
    if (this.#difference !== undefined) return this.#difference;
    const missed = this.#host[this.#next];
    return missed === undefined ? undefined : { kind: "host", index: this.#next, expected: missed, got: null };
  }
}
