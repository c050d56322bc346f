import { ThreadspaceError } from "@threadspace/errors";

/**
 * A thread that runs one plugin's work at a time for several plugins (a pool worker): work
 * queued on it waits for whatever runs there now.
 */
export interface SharedThread {
  /** For messages: `pool default #1`. */
  readonly label: string;
  /** The plugin whose work runs on it now (undefined: idle). */
  runningPlugin(): string | undefined;
}

/** One step of a wait chain: `plugin`, reached through a `ts_plugin_call` or, with `via`, because work queued on that shared thread waits for it. */
export interface ChainStep {
  readonly plugin: string;
  readonly via?: string;
}

/** What a plugin waits for now: one entry per wait (a `ts_plugin_call` in flight, work queued on a thread). */
type Waits<K> = Map<string, Set<{ readonly on: K }>>;

/** Records that `from` waits on `on`; returns the function that ends this wait (idempotent, and harmless once `forget` dropped it). */
function add<K>(waits: Waits<K>, from: string, on: K): () => void {
  let set = waits.get(from);
  if (set === undefined) waits.set(from, (set = new Set()));
  const wait = { on };
  set.add(wait);
  const owner = set;
  return () => {
    owner.delete(wait);
    if (owner.size === 0 && waits.get(from) === owner) waits.delete(from);
  };
}

/** How each plugin of a search was reached: from `prev`, through a call (no `via`) or a shared thread. */
type Reached = Map<string, { readonly prev: string; readonly via: string | undefined }>;

/** Records `next` as reached from `plugin`, once. */
function reach(reached: Reached, frontier: string[], from: string, plugin: string, next: string, via: string | undefined): void {
  if (next === from || reached.has(next)) return;
  reached.set(next, { prev: plugin, via });
  frontier.push(next);
}

/** The chain from `from` to `to`, read back through `reached`. */
function chainFrom(reached: Reached, from: string, to: string): ChainStep[] {
  const chain: ChainStep[] = [];
  for (let at = to; at !== from; ) {
    const step = reached.get(at) as { readonly prev: string; readonly via: string | undefined };
    chain.push(step.via === undefined ? { plugin: at } : { plugin: at, via: step.via });
    at = step.prev;
  }
  chain.push({ plugin: from });
  return chain.reverse();
}

/** The chain as people read it: "a → b → c", and a wait in a pool worker as "c ⇢ (queued in pool default #1, which runs a's call)". */
export function describeChain(steps: readonly ChainStep[]): string {
  let text = steps[0]?.plugin ?? "";
  for (const [at, step] of steps.entries()) {
    if (at === 0) continue;
    text += step.via === undefined ? ` → ${step.plugin}` : ` ⇢ (queued in ${step.via}, which runs ${step.plugin}'s call)`;
  }
  return text;
}

/**
 * What every plugin of an engine waits for right now: the plugins its `ts_plugin_call`s wait
 * for (any isolation: inline, worker, pool), and the shared thread (pool worker) its queued
 * work waits in, which waits for the plugin running there. A new wait that closes a circle
 * would never end (a pool worker blocked in A's call can never run C, which B, called by A,
 * waits for): it is refused at once with `busy`, naming the chain, instead of waiting until
 * the caller's deadline.
 */
export class CallChains {
  readonly #calls: Waits<string> = new Map();
  readonly #queued: Waits<SharedThread> = new Map();

  /**
   * `caller`'s `ts_plugin_call` into `callee` starts waiting; returns the function that ends
   * the wait. Throws `busy` when `callee` already waits (through any chain) for `caller`.
   */
  calling(caller: string, callee: string): () => void {
    const back = this.chain(callee, caller);
    if (back !== undefined) {
      const fix = back.some((step) => step.via !== undefined)
        ? 'A pool worker runs one call at a time: put these plugins in different pools (createEngine({ isolation: { pools, poolFor } })) or run one of them with limits.isolation "worker".'
        : "A plugin runs one call at a time (the others wait in its queue): a plugin cannot call back into a plugin that is waiting for it.";
      throw new ThreadspaceError("busy", `${caller} called ${callee}, which waits for ${caller} (${describeChain([{ plugin: caller }, ...back])}): the call would wait for itself until ${caller}'s deadline. ${fix}`, { plugin: callee });
    }
    return add(this.#calls, caller, callee);
  }

  /**
   * Work of `plugin` (a call, its instantiation) waits in `thread`'s queue; returns the function
   * that ends the wait (the work started, or was dropped). Throws `busy` when the plugin running
   * on `thread` waits (through any chain) for `plugin`: the work would never start.
   */
  queued(plugin: string, thread: SharedThread): () => void {
    const running = thread.runningPlugin();
    const back = running === undefined || running === plugin ? undefined : this.chain(running, plugin);
    if (back !== undefined && running !== undefined) {
      throw new ThreadspaceError(
        "busy",
        `${plugin} lives in ${thread.label}, which runs ${running}'s call, and that call waits for ${plugin} (${describeChain(back)}): a pool worker runs one call at a time, so this call would wait for itself until ${running}'s deadline. Put these plugins in different pools (createEngine({ isolation: { pools, poolFor } })), give the pool more workers, or run one of them with limits.isolation "worker".`,
        { plugin },
      );
    }
    return add(this.#queued, plugin, thread);
  }

  /**
   * `plugin`'s call ended (its pool worker finished it): the `ts_plugin_call`s it made are no
   * longer waited for, even those whose callee still runs (a host call cut short at the caller's
   * deadline). Their late ends are harmless.
   */
  ended(plugin: string): void {
    this.#calls.delete(plugin);
  }

  /** The chain of waits from `from` to `to` (`from` first, `to` last), or undefined when `from` does not wait for `to`. */
  chain(from: string, to: string): ChainStep[] | undefined {
    if (from === to) return [{ plugin: from }];
    // Breadth first over what each plugin waits for; `reached` holds how each plugin was reached.
    const reached: Reached = new Map();
    const frontier: string[] = [from];
    for (let at = 0; at < frontier.length; at++) {
      const plugin = frontier[at] as string;
      const calls = this.#calls.get(plugin);
      if (calls !== undefined) {
        for (const wait of calls) reach(reached, frontier, from, plugin, wait.on, undefined);
      }
      const threads = this.#queued.get(plugin);
      if (threads !== undefined) {
        for (const wait of threads) {
          const running = wait.on.runningPlugin();
          if (running !== undefined && running !== plugin) reach(reached, frontier, from, plugin, running, wait.on.label);
        }
      }
      if (reached.has(to)) return chainFrom(reached, from, to);
    }
    return undefined;
  }
}
