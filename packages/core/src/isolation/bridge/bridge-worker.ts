/**
 * Entry of a bridge worker: runs one plugin with @extism/extism INLINE in this thread and serves
 * calls from the engine's thread over a SharedArrayBuffer (protocol.ts). Between calls it blocks
 * in Atomics.wait (after an optional short spin), so a call crosses threads through shared
 * memory, not postMessage. Host functions run on the engine's thread: the import posts a HOST
 * request into the same buffer and blocks until the engine answers (HOST_DONE).
 *
 * It goes back to its event loop only to take a moved (bigger) buffer between calls; during a
 * host call it takes it synchronously (receiveMessageOnPort). Node (worker_threads) for now.
 */
import createPlugin, { type CallContext, type Plugin } from "@extism/extism";
import { parentPort, receiveMessageOnPort } from "node:worker_threads";
import {
  STORED_BASE,
  SpinBudget,
  State,
  Status,
  Word,
  decode,
  decodeHostReply,
  encodeHostRequest,
  encoder,
  publish,
  viewsOf,
  type FromWorker,
  type ToWorker,
  type Views,
} from "./protocol.ts";

const port = parentPort;
if (port === null) throw new Error("bridge-worker.ts must run in a worker thread");
const post = (message: FromWorker): void => port.postMessage(message);
const postBuffer = (buffer: SharedArrayBuffer): void => post({ type: "buffer", buffer });

let plugin: Plugin | undefined;
let views: Views | undefined;
/** Busy-poll this long (µs) before sleeping in Atomics.wait: back-to-back messages skip the futex wake-up. */
let spin = new SpinBudget(0);

port.on("message", (message: ToWorker) => {
  if (message.type === "start") void start(message);
  else {
    views = viewsOf(message.buffer);
    void serve();
  }
});

async function start(message: Extract<ToWorker, { type: "start" }>): Promise<void> {
  try {
    const bridged = new Map(message.hostFunctions.map((name, index) => [name, index]));
    const user: Record<string, (context: CallContext, ...args: unknown[]) => unknown> = {};
    for (const entry of WebAssembly.Module.imports(message.module)) {
      if (entry.module !== "extism:host/user" || entry.kind !== "function") continue;
      const index = bridged.get(entry.name);
      user[entry.name] =
        index === undefined
          ? () => {
              throw new Error(`host function ${entry.name} is not provided by the host`);
            }
          : (context, ...args) => hostCall(index, context, args);
    }
    plugin = await createPlugin({ wasm: [{ module: message.module }] }, { useWasi: message.useWasi, config: message.config, functions: { "extism:host/user": user } as never });
  } catch (error) {
    post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    return;
  }
  views = viewsOf(message.buffer);
  spin = new SpinBudget(message.spinMicros);
  post({ type: "ready" });
  void serve();
}

/** Waits (spin, then Atomics.wait) until the state is not `state`; returns false on MOVED. */
function waitWhile(predicate: (state: number) => boolean): number {
  const micros = spin.next();
  const spinUntil = micros > 0 ? performance.now() + micros / 1000 : 0;
  let slept = false;
  for (;;) {
    const header = (views as Views).header;
    const state = Atomics.load(header, Word.STATE);
    if (!predicate(state)) {
      if (micros > 0) slept ? spin.miss() : spin.hit();
      return state;
    }
    if (spinUntil > 0 && performance.now() < spinUntil) continue;
    slept = true;
    Atomics.wait(header, Word.STATE, state);
  }
}

/** Serves calls until the engine moves the buffer (then the "buffer" message restarts it). */
async function serve(): Promise<void> {
  const active = plugin as Plugin;
  for (;;) {
    if (waitWhile((state) => state !== State.CALL && state !== State.MOVED) === State.MOVED) return;
    const { header, data } = views as Views;
    const nameLength = header[Word.NAME] as number;
    const inputLength = header[Word.LENGTH] as number;
    const name = decode(data, 0, nameLength);
    const input = data.slice(nameLength, nameLength + inputLength);
    let status: number;
    let bytes: Uint8Array;
    try {
      const output = await active.call(name, input);
      if (output === null) {
        status = Status.NO_OUTPUT;
        bytes = new Uint8Array(0);
      } else {
        status = Status.OK;
        bytes = output.bytes();
      }
    } catch (error) {
      status = Status.ERROR;
      bytes = encoder.encode(error instanceof Error ? error.message : String(error));
    }
    views = publish(views as Views, State.DONE, 0, status, [bytes], postBuffer);
  }
}

/** One host call: request into the buffer, block until the engine's reply, store its blocks. */
function hostCall(index: number, context: CallContext, args: unknown[]): unknown {
  const request = encodeHostRequest(args, (handle) => context.read(handle)?.bytes() ?? null);
  views = publish(views as Views, State.HOST, index, Status.OK, [request], postBuffer);
  for (;;) {
    const state = waitWhile((s) => s === State.HOST);
    if (state !== State.MOVED) break;
    // The engine's reply did not fit: its bigger buffer is in our message queue (the event loop is blocked).
    let received: { message: ToWorker } | undefined;
    while ((received = receiveMessageOnPort(port as never) as { message: ToWorker } | undefined) === undefined) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    if (received.message.type === "buffer") views = viewsOf(received.message.buffer);
  }
  const { header, data } = views as Views;
  const status = header[Word.STATUS];
  const length = header[Word.LENGTH] as number;
  // Back to "a call is running" (ours): the engine waits for DONE or the next HOST.
  if (status === Status.ERROR) {
    const message = decode(data, 0, length);
    Atomics.store(header, Word.STATE, State.CALL);
    throw new Error(message);
  }
  const reply = decodeHostReply(data, length);
  Atomics.store(header, Word.STATE, State.CALL);
  const handles = reply.stored.map((block) => context.store(block));
  const value = reply.value;
  if (typeof value === "bigint" && value >= STORED_BASE && value < STORED_BASE + BigInt(handles.length)) return handles[Number(value - STORED_BASE)];
  return value;
}
