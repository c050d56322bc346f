import { CallResult } from "../calls/call-result.ts";
import type { CallTap } from "./call-tap.ts";
import type { CallTrace } from "./trace.ts";
import { TraceRecorder, type RecordingSources, type RecordingStart } from "./trace-recorder.ts";
import { attachTrace, type TraceStore } from "./trace-store.ts";

/** One call to record: what the trace says before it runs, and whether the caller asked for the trace (`{ record: true }`). */
export interface RecordedCall extends RecordingStart {
  readonly returnTrace: boolean;
}

/**
 * Runs a call with a {@link TraceRecorder} as its tap. A call that succeeds returns its result
 * with the trace when the caller asked for it; a call that fails keeps its trace in the plugin's
 * ring (`engine.traces(name)`) and on its error (`traceOf`), and rejects as it would have.
 */
export async function recordCall(call: RecordedCall, sources: RecordingSources, store: TraceStore, run: (tap: CallTap) => Promise<CallResult>): Promise<CallResult> {
  const recorder = new TraceRecorder(call, sources, store.maxBytes);
  let result: CallResult;
  try {
    result = await run(recorder);
  } catch (error) {
    const trace = store.release(recorder.finish({ error }));
    if (trace !== undefined) {
      store.add(call.plugin.name, trace);
      attachTrace(error, trace);
    }
    throw error;
  }
  if (!call.returnTrace) {
    recorder.discard();
    return result;
  }
  const released: CallTrace | undefined = store.release(recorder.finish({ output: result.bytes, fuel: result.fuel }));
  return new CallResult(result.bytes, call.plugin.name, result.fuel, released);
}
