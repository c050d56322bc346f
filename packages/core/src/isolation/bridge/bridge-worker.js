// @ts-check
/**
 * The body of a bridge worker: runs one plugin with @extism/extism INLINE in this thread and
 * serves calls from the engine's thread over a SharedArrayBuffer (protocol.ts). Between calls it
 * blocks in Atomics.wait (after an optional short spin), so a call crosses threads through shared
 * memory, not postMessage. Host functions run on the engine's thread: the import posts a HOST
 * request into the same buffer and blocks until the engine answers (HOST_DONE).
 *
 * It goes back to its event loop only to take a moved (bigger) buffer between calls. A host reply
 * too big for the buffer comes as NEED: this side allocates the bigger buffer itself (its event
 * loop is blocked, so it could not receive one). Platform entries: bridge-worker.node.ts
 * (worker_threads) and bridge-worker.web.ts (a module Web Worker).
 */
import createPlugin from "@extism/extism";
import { HostMemoryGuard, KernelLimitError, encodeKernelLimit } from "../../limits/host-memory.js";
import {
  CONFIG_FUNCTION,
  LOG_FUNCTION,
  LOG_PRIORITY,
  STORED_BASE,
  SpinBudget,
  State,
  Status,
  Word,
  bufferFor,
  decode,
  decodeHostReply,
  encodeHostRequest,
  encoder,
  publish,
  viewsOf,
} from "./protocol.js";

/** @typedef {import("@extism/extism").CallContext} CallContext */
/** @typedef {import("@extism/extism").Plugin} Plugin */
/** @typedef {import("./protocol.js").Views} Views */
/** @typedef {import("./protocol.js").ToWorker} ToWorker */
/** @typedef {import("./protocol.js").LogPriorityName} LogPriorityName */
/**
 * How the worker talks to the engine's thread outside the shared buffer.
 * @typedef {{ post(message: import("./protocol.js").FromWorker): void; listen(handler: (message: ToWorker) => void): void }} BridgePort
 */

const PAGE = 65536;

/**
 * Starts serving: call once from the platform entry.
 * @param {BridgePort} port
 */
export function runBridgeWorker(port) {
  /** @param {SharedArrayBuffer} buffer */
  const postBuffer = (buffer) => port.post({ type: "buffer", buffer });
  /** @type {Plugin | undefined} */
  let plugin;
  /** @type {WebAssembly.Memory | undefined} */
  let memory;
  /** @type {Views | undefined} */
  let views;
  /** Busy-poll this long (µs) before sleeping in Atomics.wait: back-to-back messages skip the futex wake-up. */
  let spin = new SpinBudget(0);
  /** @type {Map<string, number>} */
  let hostIndex = new Map();
  /** The config Extism reads (it keeps this object), and the engine's version it holds. @type {Record<string, string>} */
  const config = Object.create(null);
  let configVersion = 0;
  let inCall = false;

  port.listen((message) => {
    if (message.type === "start") void start(message);
    else {
      views = viewsOf(message.buffer);
      void serve();
    }
  });

  /** @param {Extract<ToWorker, { type: "start" }>} message */
  async function start(message) {
    try {
      hostIndex = new Map(message.hostFunctions.map((name, index) => [name, index]));
      Object.assign(config, message.config);
      configVersion = message.configVersion;
      /** @type {Record<string, (context: CallContext, ...args: unknown[]) => unknown>} */
      const user = {};
      for (const entry of WebAssembly.Module.imports(message.module)) {
        if (entry.module !== "extism:host/user" || entry.kind !== "function") continue;
        const index = hostIndex.get(entry.name);
        user[entry.name] =
          index === undefined
            ? () => {
                throw new Error(`host function ${entry.name} is not provided by the host`);
              }
            : (context, ...args) => hostCall(index, context, args);
      }
      // Blocks and vars the plugin makes this worker hold count against its caps (limits/host-memory.js).
      const guard = new HostMemoryGuard(message.hostMemory);
      const kernel = { ...guard.kernelFunctions(), ...(hostIndex.has(LOG_FUNCTION) ? { get_log_level: () => logLevel() } : {}) };
      plugin = await createPlugin(
        { wasm: [{ module: message.module }] },
        { useWasi: message.useWasi, config, logger: logger(), logLevel: "trace", functions: /** @type {never} */ ({ "extism:host/user": user, "extism:host/env": kernel }) },
      );
      guard.attach(/** @type {never} */ (plugin));
      const exported = (await plugin.getInstance()).exports["memory"];
      memory = exported instanceof WebAssembly.Memory ? exported : undefined;
    } catch (error) {
      port.post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
      return;
    }
    views = viewsOf(message.buffer);
    spin = new SpinBudget(message.spinMicros);
    port.post({ type: "ready" });
    void serve();
  }

  /**
   * The plugin's live level, as the engine wrote it with the call (silent before any call).
   * @returns {number}
   */
  function logLevel() {
    return views === undefined ? LOG_PRIORITY.silent : Atomics.load(views.header, Word.LOG_LEVEL);
  }

  /**
   * Extism's logger: lines the plugin's level lets through go to the engine (inside a call, before it returns).
   * @returns {Console}
   */
  function logger() {
    /** @param {LogPriorityName} name */
    const write = (name) => /** @param {unknown[]} args */ (...args) => {
      const priority = LOG_PRIORITY[name];
      if (!hostIndex.has(LOG_FUNCTION) || (views !== undefined && priority < logLevel())) return;
      const text = args.map((arg) => (typeof arg === "string" ? arg : String(arg))).join(" ");
      if (!inCall) port.post({ type: "log", priority, text });
      else request(/** @type {number} */ (hostIndex.get(LOG_FUNCTION)), encodeHostRequest([BigInt(priority)], () => encoder.encode(text)));
    };
    return /** @type {Console} */ (/** @type {unknown} */ ({ trace: write("trace"), debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error"), log: write("info") }));
  }

  /**
   * Waits (spin, then Atomics.wait) while `predicate(state)` holds; returns the state that ended it.
   * @param {(state: number) => boolean} predicate
   * @returns {number}
   */
  function waitWhile(predicate) {
    const micros = spin.next();
    const spinUntil = micros > 0 ? performance.now() + micros / 1000 : 0;
    let slept = false;
    for (;;) {
      const header = /** @type {Views} */ (views).header;
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
  async function serve() {
    const active = /** @type {Plugin} */ (plugin);
    for (;;) {
      if (waitWhile((state) => state !== State.CALL && state !== State.MOVED) === State.MOVED) return;
      const { header, data } = /** @type {Views} */ (views);
      const nameLength = /** @type {number} */ (header[Word.NAME]);
      const inputLength = /** @type {number} */ (header[Word.LENGTH]);
      const name = decode(data, 0, nameLength);
      const input = data.slice(nameLength, nameLength + inputLength);
      const wanted = /** @type {number} */ (header[Word.CONFIG_VERSION]);
      /** @type {number} */
      let status;
      /** @type {Uint8Array} */
      let bytes;
      inCall = true;
      try {
        if (wanted !== configVersion) refreshConfig(wanted);
        const output = await active.call(name, input);
        if (output === null) {
          status = Status.NO_OUTPUT;
          bytes = new Uint8Array(0);
        } else {
          status = Status.OK;
          bytes = output.bytes();
        }
      } catch (error) {
        status = error instanceof KernelLimitError ? Status.KERNEL_LIMIT : Status.ERROR;
        bytes = encoder.encode(error instanceof KernelLimitError ? encodeKernelLimit(error) : error instanceof Error ? error.message : String(error));
      }
      inCall = false;
      const pages = memory === undefined ? 0 : memory.buffer.byteLength / PAGE;
      views = publish(/** @type {Views} */ (views), State.DONE, 0, status, [bytes], postBuffer, (target) => {
        target[Word.PAGES] = pages;
      });
    }
  }

  /**
   * Takes the engine's current config into the object Extism reads (in place).
   * @param {number} version
   */
  function refreshConfig(version) {
    const index = hostIndex.get(CONFIG_FUNCTION);
    if (index === undefined) return;
    const reply = request(index, encodeHostRequest([], () => null));
    const json = reply.stored[0];
    if (json === undefined) return;
    for (const key of Object.keys(config)) delete config[key];
    Object.assign(config, JSON.parse(new TextDecoder().decode(json)));
    configVersion = version;
  }

  /**
   * One host call from the guest: ship the arguments' blocks, store the reply's, map handles.
   * @param {number} index
   * @param {CallContext} context
   * @param {unknown[]} args
   * @returns {unknown}
   */
  function hostCall(index, context, args) {
    const reply = request(
      index,
      encodeHostRequest(args, (handle) => context.read(handle)?.bytes() ?? null),
    );
    const handles = reply.stored.map((block) => context.store(block));
    const value = reply.value;
    if (typeof value === "bigint" && value >= STORED_BASE && value < STORED_BASE + BigInt(handles.length)) return handles[Number(value - STORED_BASE)];
    return value;
  }

  /**
   * Posts a HOST request and blocks until the engine's reply; throws the engine's error text.
   * @param {number} index
   * @param {Uint8Array} body
   * @returns {ReturnType<typeof decodeHostReply>}
   */
  function request(index, body) {
    views = publish(/** @type {Views} */ (views), State.HOST, index, Status.OK, [body], postBuffer);
    for (;;) {
      waitWhile((s) => s === State.HOST);
      const { header } = /** @type {Views} */ (views);
      if (header[Word.STATUS] !== Status.NEED) break;
      // The reply needs a bigger buffer: make it here, hand it over, wait for the reply there.
      const bigger = viewsOf(bufferFor(/** @type {number} */ (header[Word.LENGTH])));
      Atomics.store(bigger.header, Word.STATE, State.HOST);
      postBuffer(bigger.buffer);
      Atomics.store(header, Word.STATE, State.MOVED);
      Atomics.notify(header, Word.STATE);
      views = bigger;
    }
    const { header, data } = /** @type {Views} */ (views);
    const status = header[Word.STATUS];
    const length = /** @type {number} */ (header[Word.LENGTH]);
    // Back to "a call is running" (ours): the engine waits for DONE or the next HOST.
    if (status === Status.ERROR) {
      const message = decode(data, 0, length);
      Atomics.store(header, Word.STATE, State.CALL);
      throw new Error(message);
    }
    const reply = decodeHostReply(data, length);
    Atomics.store(header, Word.STATE, State.CALL);
    return reply;
  }
}
