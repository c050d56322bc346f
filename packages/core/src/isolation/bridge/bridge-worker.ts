/**
 * The body of a bridge worker: runs plugins with @extism/extism INLINE in this thread and
 * serves calls from the engine's thread over a SharedArrayBuffer (protocol.ts): one plugin
 * (instance 0, a `worker`-isolated plugin), or many (a pool worker: `open`, then `instantiate` /
 * `dispose` messages, each call naming its instance in word INSTANCE). One call at a time. Between calls it
 * blocks in Atomics.wait (after an optional short spin), so a call crosses threads through shared
 * memory, not postMessage. Host functions run on the engine's thread: the import posts a HOST
 * request into the same buffer and blocks until the engine answers (HOST_DONE).
 *
 * It goes back to its event loop only to take a moved (bigger) buffer between calls. A host reply
 * too big for the buffer comes as NEED: this side allocates the bigger buffer itself (its event
 * loop is blocked, so it could not receive one). Platform entries: bridge-worker.node.ts
 * (worker_threads) and bridge-worker.web.ts (a module Web Worker), built into JavaScript by
 * scripts/build-worker.mjs (a worker cannot load TypeScript without a loader).
 */
import type { CallContext, Plugin } from "@extism/extism";
import type { CreateExtismPlugin } from "../../platform/platform.ts";
import { GuestErrorKind, classifyExtismError, isExtismLinkError } from "../extism-errors.ts";
import { HostMemoryGuard } from "../../limits/host-memory.ts";
import { varsOf, varsReport, type VarOverlay, type VarRecorder, type VarsOrder } from "../../replay/call-vars.ts";
import { WasiValues, WASI_VALUES_MODULE, importsWasiValues } from "../../wasi/wasi-values.ts";
import { initializeDeferred } from "../../wasi/wasi-values-rewrite.ts";
import { FuelMeter, HOST_CALL_FUEL, METER_MODULE } from "../../fuel/fuel-meter.ts";
import {
  bridgeKey,
  CONFIG_FUNCTION,
  LOG_FUNCTION,
  VAR_FUNCTION,
  WASI_OUTPUT_FUNCTION,
  LOG_PRIORITY,
  STORED_BASE,
  Slot,
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
  type FromWorker,
  type GuestSpec,
  type HostReply,
  type LogPriorityName,
  type ToWorker,
  type Views,
  type WorkerWasiSpec,
} from "./protocol.ts";
import type { ServeWasi, ServedWasi } from "../../wasi/served-wasi.ts";
import { servedFunctions, SERVED_WASI_NAMESPACE } from "../../wasi/plugin-wasi.ts";
import { WASI_MODULE } from "../../wasi/wasi-adapter.ts";

/** The engine's WASI functions charging {@link HOST_CALL_FUEL} per call to a metered instance's meter, as host calls are. */
const chargedWasi = (meter: FuelMeter | undefined, functions: Record<string, KernelFunction>): Record<string, KernelFunction> =>
  meter === undefined ? functions : Object.fromEntries(Object.entries(functions).map(([name, fn]) => [name, (context: CallContext, ...args: bigint[]) => (meter.charge(HOST_CALL_FUEL), fn(context, ...args))]));

/** The WASI functions an adapter re-exports (its imports, by name). */
const adapterFunctions = (adapter: WebAssembly.Module): string[] => WebAssembly.Module.imports(adapter).map((entry) => entry.name);

/** How the worker talks to the engine's thread outside the shared buffer. */
export interface BridgePort {
  post(message: FromWorker): void;
  listen(handler: (message: ToWorker) => void): void;
}

type KernelFunction = (context: CallContext, ...args: bigint[]) => unknown;

const PAGE = 65536;
const NO_OUTPUT = new Uint8Array(0);
/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
/** Whether this worker can suspend the guest itself (JSPI): then Extism's own HTTP context serves http_request. */
const jspi = typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function";

/** One plugin instantiated in this worker, and what its calls need. */
interface Guest {
  readonly id: number;
  readonly plugin: Plugin;
  readonly memory: WebAssembly.Memory | undefined;
  /** The instance's fuel meter, for a metered module. */
  readonly meter: FuelMeter | undefined;
  /** The kernel memory guard (limits/host-memory.ts), told when each call starts. */
  readonly guard: HostMemoryGuard;
  readonly hostIndex: ReadonlyMap<string, number>;
  /** The config Extism reads (it keeps this object), and the engine's version it holds. */
  readonly config: Record<string, string>;
  configVersion: number;
  /** The engine's own WASI served here (output lines, read-only mounts), when the engine asked for it. */
  readonly wasi: ServedWasi | undefined;
}

/**
 * Starts serving: call once from the platform entry. `loadExtism` gives @extism/extism's
 * createPlugin (in Node the platform's loader, which keeps node:wasi's ExperimentalWarning off the
 * embedder's terminal).
 */
export function runBridgeWorker(port: BridgePort, loadExtism: () => Promise<CreateExtismPlugin>, serveWasi?: ServeWasi): void {
  const postBuffer = (buffer: SharedArrayBuffer): void => port.post({ type: "buffer", buffer });
  const guests = new Map<number, Guest>();
  let views: Views | undefined;
  /** Busy-poll this long (µs) before sleeping in Atomics.wait: back-to-back messages skip the futex wake-up. */
  let spin = new SpinBudget(0);
  /** The instance whose call runs now (one at a time). */
  let active: Guest | undefined;
  /** The vars of the call running now when it is recorded or replayed (word VARS). */
  let vars: VarRecorder | VarOverlay | undefined;
  let serving = false;

  const current = (): Views => {
    if (views === undefined) throw new Error("the bridge worker has no buffer yet");
    return views;
  };

  port.listen((message) => {
    switch (message.type) {
      case "start":
        void startOne(message);
        break;
      case "open":
        views = viewsOf(message.buffer);
        spin = new SpinBudget(message.spinMicros);
        void serve();
        break;
      case "instantiate":
      case "dispose":
        void administer(message);
        break;
      case "buffer":
        views = viewsOf(message.buffer);
        void serve();
        break;
    }
  });

  /** A bridge worker of one plugin: instance 0, then serve. */
  async function startOne(message: GuestSpec & { buffer: SharedArrayBuffer; spinMicros: number }): Promise<void> {
    const failure = await instantiate(0, message);
    if (failure !== undefined) {
      port.post(failure);
      return;
    }
    views = viewsOf(message.buffer);
    spin = new SpinBudget(message.spinMicros);
    port.post({ type: "ready", id: 0 });
    void serve();
  }

  /** A pool worker's instance comes or goes (the engine set YIELD: no call is in flight); then back to the buffer. */
  async function administer(message: Extract<ToWorker, { type: "instantiate" | "dispose" }>): Promise<void> {
    let answer: FromWorker;
    if (message.type === "instantiate") answer = (await instantiate(message.id, message)) ?? { type: "ready", id: message.id };
    else {
      const guest = guests.get(message.id);
      guests.delete(message.id);
      await guest?.plugin.close().catch(() => undefined);
      guest?.wasi?.close();
      answer = { type: "disposed", id: message.id };
    }
    // IDLE before the answer: the engine writes the next message only once it has the answer.
    if (views !== undefined) Atomics.store(views.header, Word.STATE, State.IDLE);
    port.post(answer);
    void serve();
  }

  /** Instantiates a plugin as instance `id`; the failure to post, if it could not. */
  async function instantiate(id: number, spec: GuestSpec): Promise<FromWorker | undefined> {
    let served: ServedWasi | undefined;
    try {
      const hostIndex = new Map(spec.hostFunctions.map((name, index) => [name, index]));
      const config: Record<string, string> = Object.create(null) as Record<string, string>;
      Object.assign(config, spec.config);
      // A metered module (docs/metering.md) imports `threadspace:meter`: its meter runs here, next
      // to the instance. Instantiation has no fuel budget; a pool worker bounds it in time here (its
      // neighbours keep their worker), a worker of one plugin is bounded by the engine's start timeout.
      const meter = WebAssembly.Module.imports(spec.module).some((entry) => entry.module === METER_MODULE) ? new FuelMeter("(worker)") : undefined;
      const user: Record<string, KernelFunction> = {};
      // Functions the engine serves in other namespaces (an embedder's functions by any name, the HTTP kernel functions).
      const forwarded: Record<string, Record<string, KernelFunction>> = {};
      const linked = spec.linked ?? {};
      for (const module of [spec.module, ...Object.values(linked)]) {
        for (const entry of WebAssembly.Module.imports(module)) {
          if (entry.kind !== "function" || Object.hasOwn(linked, entry.module)) continue;
          const index = hostIndex.get(bridgeKey(entry.module, entry.name));
          if (entry.module !== "extism:host/user") {
            if (index !== undefined) (forwarded[entry.module] ??= {})[entry.name] = (context, ...args) => hostCall(meter, index, context, args);
            continue;
          }
          user[entry.name] =
            index === undefined
              ? () => {
                  throw new Error(`host function ${entry.name} is not provided by the host`);
                }
              : (context, ...args) => hostCall(meter, index, context, args);
        }
      }
      // Blocks and vars the plugin makes this worker hold count against its caps (limits/host-memory.ts).
      const guard = new HostMemoryGuard(spec.hostMemory);
      const kernel: Record<string, KernelFunction> = { ...guard.kernelFunctions(), ...(hostIndex.has(LOG_FUNCTION) ? { get_log_level: () => logLevel() } : {}) };
      // HTTP: where this worker has JSPI, Extism's own HTTP context replaces any kernel override,
      // so it gets a fetch that asks the engine; elsewhere the engine's functions are the kernel's.
      const { "extism:host/env": httpKernel, ...namespaces } = forwarded;
      const httpOptions = httpKernel === undefined ? {} : jspi ? { fetch: forwardedFetch(hostIndex), allowedHosts: ["*"], allowHttpResponseHeaders: true } : (Object.assign(kernel, httpKernel), {});
      meter?.begin({ fuel: Infinity, deadline: spec.startMs === undefined ? Infinity : performance.now() + spec.startMs, exportName: "instantiation" });
      const linkedWasm = Object.entries(linked).map(([name, module]) => ({ name, module }));
      // WASI clock and random, routed to the engine's namespace at install: served here, next to the memory, and recorded per call.
      const wasiValues = importsWasiValues(spec.module) ? new WasiValues(() => (active?.id === id ? vars?.wasi : undefined), meter === undefined ? undefined : (fuel) => meter.charge(fuel)) : undefined;
      // The engine's own WASI (Node): output lines to the engine's log, read-only mounts (platform/node-wasi.ts).
      served = spec.wasi === undefined ? undefined : serveWorkerWasi(id, hostIndex, spec.wasi);
      const wasiWasm = spec.wasi === undefined ? [] : [{ name: WASI_MODULE, module: spec.wasi.adapter }];
      const plugin = await (await loadExtism())(
        { wasm: [...linkedWasm, ...wasiWasm, { name: "main", module: spec.module }] },
        { useWasi: spec.useWasi && served === undefined, config, logger: logger(id, hostIndex), logLevel: "trace", functions: { ...namespaces, "extism:host/user": user, "extism:host/env": kernel, ...meter?.extismFunctions(), ...(wasiValues === undefined ? {} : { [WASI_VALUES_MODULE]: wasiValues.extismFunctions() }), ...(served === undefined || spec.wasi === undefined ? {} : { [SERVED_WASI_NAMESPACE]: chargedWasi(meter, servedFunctions(served, adapterFunctions(spec.wasi.adapter))) }) }, ...httpOptions },
      );
      guard.attach(plugin);
      const instance = await plugin.getInstance();
      meter?.attach(instance);
      const exported = instance.exports["memory"];
      if (wasiValues !== undefined && exported instanceof WebAssembly.Memory) wasiValues.bind(exported);
      if (served !== undefined) {
        if (!(exported instanceof WebAssembly.Memory)) throw new Error('it imports WASI but exports no memory named "memory" for it to use');
        served.bind(exported);
      }
      // A WASI module's _initialize, deferred by the install rewrite until the WASI functions know the memory.
      try {
        initializeDeferred(instance);
      } catch (error) {
        const stop = meter?.end().stop;
        await plugin.close().catch(() => undefined);
        throw stop === undefined ? error : stop.error;
      }
      meter?.end();
      guests.set(id, { id, plugin, memory: exported instanceof WebAssembly.Memory ? exported : undefined, meter, guard, hostIndex, config, configVersion: spec.configVersion, wasi: served });
      return undefined;
    } catch (error) {
      served?.close();
      return { type: "failed", id, kind: isExtismLinkError(error) ? "link" : "other", message: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * A fetch for Extism's HTTP context that asks the engine (its `http_request`, `http_status_code`
   * and `http_headers`, served on the engine's thread with every check): one round trip each.
   */
  function forwardedFetch(hostIndex: ReadonlyMap<string, number>): typeof fetch {
    const index = (name: string): number => hostIndex.get(bridgeKey("extism:host/env", name)) ?? -1;
    return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
      const json = encoder.encode(JSON.stringify({ url, method: init?.method ?? "GET", headers }));
      const body = init?.body instanceof Uint8Array ? init.body : null;
      const reply = request(index("http_request"), encodeHostRequest([1n, body === null ? 0n : 2n], (handle) => (handle === 1n ? json : handle === 2n ? body : null)));
      const bytes = reply.stored[0] ?? new Uint8Array(0);
      const status = Number(request(index("http_status_code"), encodeHostRequest([], () => null)).value ?? 0);
      const head = request(index("http_headers"), encodeHostRequest([], () => null)).stored[0];
      const answer = head === undefined ? {} : (JSON.parse(new TextDecoder().decode(head)) as Record<string, string>);
      return new Response(NULL_BODY.has(status) ? null : (bytes as Uint8Array<ArrayBuffer>), { status, headers: answer });
    };
  }

  /**
   * The engine's own WASI for instance `id`: node:wasi behind the engine's guards, built here next
   * to the memory; each output line goes to the engine inside the call that wrote it (a host
   * request, so the line is in the log when the call returns) or, outside a call, as a message.
   */
  function serveWorkerWasi(id: number, hostIndex: ReadonlyMap<string, number>, spec: WorkerWasiSpec): ServedWasi {
    if (serveWasi === undefined) throw new Error("wasi.output and wasi.allowedPaths are not served in this worker (Node only)");
    const index = hostIndex.get(WASI_OUTPUT_FUNCTION);
    const output = (stream: "stdout" | "stderr", line: string): void => {
      if (index === undefined) return;
      if (active?.id === id) request(index, encodeHostRequest([stream === "stderr" ? 2n : 1n], () => encoder.encode(line)));
      else port.post({ type: "log", id, priority: 0, text: line, wasi: stream });
    };
    return serveWasi({ plugin: spec.plugin, allowedPaths: spec.allowedPaths, ...(spec.stdio === undefined ? {} : { stdio: spec.stdio }), ...(spec.output ? { output } : {}) });
  }

  /** The running call's live level, as the engine wrote it with the call (silent before any call). */
  function logLevel(): number {
    return views === undefined ? LOG_PRIORITY.silent : Atomics.load(views.header, Word.LOG_LEVEL);
  }

  /** Extism's logger for instance `id`: lines go to the engine (inside its call, before the call returns; filtered by its level there). */
  function logger(id: number, hostIndex: ReadonlyMap<string, number>): Console {
    const write =
      (name: Exclude<LogPriorityName, "silent">) =>
      (...args: unknown[]): void => {
        const priority = LOG_PRIORITY[name];
        const index = hostIndex.get(LOG_FUNCTION);
        const inCall = active?.id === id;
        if (index === undefined || (inCall && priority < logLevel())) return;
        const text = args.map((arg) => (typeof arg === "string" ? arg : String(arg))).join(" ");
        if (!inCall) port.post({ type: "log", id, priority, text });
        else request(index, encodeHostRequest([BigInt(priority)], () => encoder.encode(text)));
      };
    // Extism calls only these five methods (and `log`); a whole Console is not needed.
    const console: Pick<Console, "trace" | "debug" | "info" | "warn" | "error" | "log"> = { trace: write("trace"), debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error"), log: write("info") };
    return console as Console;
  }

  /** Waits (spin, then Atomics.wait) while `predicate(state)` holds; returns the state that ended it. */
  function waitWhile(predicate: (state: number) => boolean): number {
    const micros = spin.next();
    const spinUntil = micros > 0 ? performance.now() + micros / 1000 : 0;
    let slept = false;
    for (;;) {
      const header = current().header;
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

  /** Serves calls until the engine moves the buffer (the "buffer" message restarts it) or yields (an instance comes or goes). */
  async function serve(): Promise<void> {
    if (serving || views === undefined) return;
    serving = true;
    try {
      for (;;) {
        const state = waitWhile((s) => s !== State.CALL && s !== State.MOVED && s !== State.YIELD);
        if (state !== State.CALL) return;
        await serveCall();
      }
    } finally {
      serving = false;
    }
  }

  /** Runs the call in the buffer on its instance and publishes the reply. */
  async function serveCall(): Promise<void> {
    const { header, data, slots } = current();
    const nameLength = header[Word.NAME] ?? 0;
    const inputLength = header[Word.LENGTH] ?? 0;
    const name = decode(data, 0, nameLength);
    const input = data.slice(nameLength, nameLength + inputLength);
    const wanted = header[Word.CONFIG_VERSION] ?? 0;
    const guest = guests.get(header[Word.INSTANCE] ?? -1);
    const meter = guest?.meter;
    // The meter's budget and deadline (NaN: none), on this thread's clock.
    if (meter !== undefined) {
      const budget = slots[Slot.FUEL_BUDGET] ?? Number.NaN;
      const timeLeft = slots[Slot.TIME_LEFT_MS] ?? Number.NaN;
      meter.begin({ fuel: Number.isNaN(budget) ? Infinity : budget, deadline: Number.isNaN(timeLeft) ? Infinity : performance.now() + timeLeft, exportName: name });
    }
    let status: Status;
    let bytes: Uint8Array;
    let errorKind = 0;
    active = guest;
    try {
      if (guest === undefined) throw new Error(`this worker has no instance ${String(header[Word.INSTANCE])}`);
      if (wanted !== guest.configVersion) refreshConfig(guest, wanted);
      vars = header[Word.VARS] === 1 ? callVars(guest) : undefined;
      guest.guard.beginCall(vars);
      const output = await guest.plugin.call(name, input);
      status = output === null ? Status.NO_OUTPUT : Status.OK;
      bytes = output === null ? NO_OUTPUT : output.bytes();
    } catch (error) {
      const failure = classifyExtismError(error);
      status = Status.ERROR;
      errorKind = failure.kind;
      bytes = encoder.encode(failure.message);
    }
    active = undefined;
    // A recorded call's var and WASI reads (a replayed one's WASI replay state) go back to the engine before its reply.
    const varReport = vars === undefined ? undefined : varsReport(vars);
    if (guest !== undefined && varReport !== undefined) {
      try {
        askVars(guest, varReport);
      } catch (error) {
        status = Status.ERROR;
        errorKind = classifyExtismError(error).kind;
        bytes = encoder.encode(`its Extism var reads could not be recorded: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    vars = undefined;
    const memory = guest?.memory;
    const pages = memory === undefined ? 0 : memory.buffer.byteLength / PAGE;
    const report = meter?.end();
    const fuelUsed = report === undefined ? Number.NaN : report.fuel;
    // The meter stopped it (budget, deadline, or over budget after its last check): say which.
    if (report?.stop !== undefined) {
      status = Status.ERROR;
      errorKind = report.stop.kind === "fuel" ? GuestErrorKind.FUEL_EXHAUSTED : GuestErrorKind.DEADLINE;
      bytes = encoder.encode(report.stop.error.message);
    }
    const refusedPages = status === Status.ERROR && report?.refusedGrow !== undefined ? report.refusedGrow.pages : Number.NaN;
    views = publish(
      current(),
      {
        state: State.DONE,
        name: 0,
        status,
        parts: [bytes],
        header: (target) => {
          target.header[Word.PAGES] = pages;
          target.header[Word.ERROR_KIND] = errorKind;
          target.slots[Slot.FUEL_USED] = fuelUsed;
          target.slots[Slot.GROW_REFUSED_PAGES] = refusedPages;
        },
      },
      postBuffer,
    );
  }

  /** The engine's answer to a {@link VAR_FUNCTION} request. */
  function askVars(guest: Guest, message: object): HostReply {
    const index = guest.hostIndex.get(VAR_FUNCTION);
    if (index === undefined) throw new Error("the engine serves no vars for this instance");
    const body = encoder.encode(JSON.stringify(message));
    return request(index, encodeHostRequest([1n], () => body));
  }

  /** What a recorded or replayed call does with its vars here, as the engine orders (replay/call-vars.ts). */
  function callVars(guest: Guest): VarRecorder | VarOverlay {
    const order = askVars(guest, { order: true }).stored[0];
    if (order === undefined) throw new Error("the engine sent no order for this call's vars");
    return varsOf(JSON.parse(new TextDecoder().decode(order)) as VarsOrder);
  }

  /** Takes the engine's current config of `guest` into the object Extism reads (in place). */
  function refreshConfig(guest: Guest, version: number): void {
    const index = guest.hostIndex.get(CONFIG_FUNCTION);
    if (index === undefined) return;
    const reply = request(index, encodeHostRequest([], () => null));
    const json = reply.stored[0];
    if (json === undefined) return;
    for (const key of Object.keys(guest.config)) delete guest.config[key];
    Object.assign(guest.config, JSON.parse(new TextDecoder().decode(json)) as Record<string, string>);
    guest.configVersion = version;
  }

  /** One host call from the guest: ship the arguments' blocks, store the reply's, map handles. */
  function hostCall(meter: FuelMeter | undefined, index: number, context: CallContext, args: readonly unknown[]): unknown {
    meter?.charge(HOST_CALL_FUEL);
    const reply = request(
      index,
      encodeHostRequest(args, (handle) => context.read(handle)?.bytes() ?? null),
    );
    const handles = reply.stored.map((block) => context.store(block));
    const value = reply.value;
    if (typeof value === "bigint" && value >= STORED_BASE && value < STORED_BASE + BigInt(handles.length)) return handles[Number(value - STORED_BASE)];
    return value;
  }

  /** Posts a HOST request and blocks until the engine's reply; throws the engine's error text. */
  function request(index: number, body: Uint8Array): HostReply {
    views = publish(current(), { state: State.HOST, name: index, status: Status.OK, parts: [body] }, postBuffer);
    for (;;) {
      waitWhile((s) => s === State.HOST);
      const { header } = current();
      if (header[Word.STATUS] !== Status.NEED) break;
      // The reply needs a bigger buffer: make it here, hand it over, wait for the reply there.
      const bigger = viewsOf(bufferFor(header[Word.LENGTH] ?? 0));
      Atomics.store(bigger.header, Word.STATE, State.HOST);
      postBuffer(bigger.buffer);
      Atomics.store(header, Word.STATE, State.MOVED);
      Atomics.notify(header, Word.STATE);
      views = bigger;
    }
    const { header, data } = current();
    const status = header[Word.STATUS];
    const length = header[Word.LENGTH] ?? 0;
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
