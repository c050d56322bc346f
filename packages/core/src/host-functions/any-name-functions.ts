import type { CallContext } from "@extism/extism";
import { ThreadspaceError, isThreadspaceError, messageOf } from "@threadspace/errors";
import { isPermissionName, type PermissionName } from "@threadspace/manifest";
import { HostFailure, type CallTransaction } from "@threadspace/host";

/**
 * A host function as Extism embedders write them: Extism's call context, then the guest's
 * arguments as wasm passes them (i64 → bigint, i32/f32/f64 → number); returns what the import
 * returns. May be `async` (the guest is suspended while it works: JSPI, or a worker).
 */
export type ExtismStyleHostFunction = (context: CallContext, ...args: any[]) => unknown;

/** What `engine.defineHostFunctions` takes. */
export interface HostFunctionsDefinition {
  /** The import module the plugin names (default `extism:host/user`, Extism's user namespace). */
  readonly namespace?: string;
  /** The permission a plugin must hold to call them (e.g. `custom:weather`), checked on every call. */
  readonly permission: PermissionName;
  /** The functions by import name. */
  readonly functions: Readonly<Record<string, ExtismStyleHostFunction>>;
}

/** How a plugin's calls of embedder functions are gated: the engine's permission table, host-call limits and request cap. */
export interface HostFunctionGate {
  readonly granted: (plugin: string, permission: PermissionName) => boolean;
  readonly beforeCall?: ((plugin: string, importName: string, tx: CallTransaction) => void) | undefined;
  /** Largest block a function may read from the guest, in bytes (the engine's `maxRequestBytes`). */
  readonly maxRequestBytes: number;
}

/** Namespaces the engine serves itself: embedders cannot define functions there. */
const RESERVED_NAMESPACES = new Set(["extism:host/env", "wasi_snapshot_preview1", "threadspace:meter", "threadspace:wasi", "threadspace:wasi-values", "env"]);
const NAMESPACE = /^[A-Za-z_][A-Za-z0-9_.:/-]{0,63}$/;
const FUNCTION = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;
export const USER_NAMESPACE = "extism:host/user";
const AsyncFunction = (async () => undefined).constructor;

interface Entry {
  readonly permission: PermissionName;
  readonly fn: ExtismStyleHostFunction;
}

/**
 * The embedder's host functions by any name (`engine.defineHostFunctions`): what a plugin built
 * against another Extism host imports (`extism:host/user` `hello_world`, or a namespace of its
 * own). Each call is gated like Threadspace's own APIs: the permission (live), the host-call
 * limits, reads capped at `maxRequestBytes`; a failure fails the plugin's call with a typed error.
 */
export class AnyNameFunctions {
  readonly #byNamespace = new Map<string, Map<string, Entry>>();

  /** Adds functions; throws `bad_input` for a reserved namespace, a bad name, a duplicate or a name in `taken`. */
  define(definition: HostFunctionsDefinition, taken: ReadonlySet<string>): void {
    const namespace = definition.namespace ?? USER_NAMESPACE;
    const where = `defineHostFunctions(${JSON.stringify(namespace)})`;
    if (typeof namespace !== "string" || !NAMESPACE.test(namespace)) throw new ThreadspaceError("bad_input", `${where}: the namespace must be 1 to 64 letters, digits, "_", ".", ":", "/" or "-".`);
    if (RESERVED_NAMESPACES.has(namespace)) throw new ThreadspaceError("bad_input", `${where}: "${namespace}" is served by the engine itself; pick another namespace (Extism's user namespace is "${USER_NAMESPACE}").`);
    if (!isPermissionName(definition.permission)) throw new ThreadspaceError("bad_input", `${where}: permission ${JSON.stringify(definition.permission)} is not a permission name; use "custom:<name>", e.g. "custom:weather".`);
    const functions = definition.functions;
    if (typeof functions !== "object" || functions === null) throw new ThreadspaceError("bad_input", `${where}: functions must be an object of functions by import name.`);
    const existing = this.#byNamespace.get(namespace);
    const added = new Map<string, Entry>();
    for (const [name, fn] of Object.entries(functions)) {
      if (!FUNCTION.test(name)) throw new ThreadspaceError("bad_input", `${where}: "${name}" is not an import name (letters, digits, "_", ".", ":", "-"; up to 128).`);
      if (typeof fn !== "function") throw new ThreadspaceError("bad_input", `${where}: "${name}" must be a function (callContext, ...args) => result.`);
      if (existing?.has(name) === true || (namespace === USER_NAMESPACE && taken.has(name))) throw new ThreadspaceError("bad_input", `${where}: "${name}" is already defined; pick another name.`);
      added.set(name, { permission: definition.permission, fn });
    }
    const target = existing ?? new Map<string, Entry>();
    for (const [name, entry] of added) target.set(name, entry);
    this.#byNamespace.set(namespace, target);
  }

  /** Whether `module` `name` is served. */
  has(module: string, name: string): boolean {
    return this.#byNamespace.get(module)?.has(name) ?? false;
  }

  /** Whether `module` `name` is an async function (the guest must be able to suspend). */
  isAsync(module: string, name: string): boolean {
    return this.#byNamespace.get(module)?.get(name)?.fn.constructor === AsyncFunction;
  }

  /** The gated functions one plugin imports, by namespace. */
  functionsFor(plugin: string, imports: readonly WebAssembly.ModuleImportDescriptor[], gate: HostFunctionGate): Record<string, Record<string, ExtismStyleHostFunction>> {
    const out: Record<string, Record<string, ExtismStyleHostFunction>> = {};
    for (const entry of imports) {
      if (entry.kind !== "function") continue;
      const found = this.#byNamespace.get(entry.module)?.get(entry.name);
      if (found === undefined) continue;
      (out[entry.module] ??= {})[entry.name] = gated(plugin, entry.module, entry.name, found, gate);
    }
    return out;
  }
}

function gated(plugin: string, module: string, name: string, entry: Entry, gate: HostFunctionGate): ExtismStyleHostFunction {
  const label = module === USER_NAMESPACE ? name : `${module} ${name}`;
  const check = (context: CallContext): CallContext => {
    if (!gate.granted(plugin, entry.permission)) {
      throw new ThreadspaceError("permission_denied", `host function ${label} needs the "${entry.permission}" permission, which ${plugin} was not granted. Grant it with engine.permissions.grant("${plugin}", ["${entry.permission}"]).`, { plugin });
    }
    const tx = context.hostContext<CallTransaction | undefined>();
    try {
      if (tx !== undefined && tx !== null) gate.beforeCall?.(plugin, label, tx);
    } catch (error) {
      throw typed(plugin, label, error);
    }
    return cappedContext(context, gate.maxRequestBytes, plugin, label);
  };
  const { fn } = entry;
  if (fn.constructor === AsyncFunction) {
    return async (context: CallContext, ...args: unknown[]) => {
      const capped = check(context);
      try {
        return await fn(capped, ...args);
      } catch (error) {
        throw typed(plugin, label, error);
      }
    };
  }
  return (context: CallContext, ...args: unknown[]) => {
    const capped = check(context);
    try {
      return fn(capped, ...args);
    } catch (error) {
      throw typed(plugin, label, error);
    }
  };
}

/** The context with `read` refusing a block over `max` bytes (the request cap of every host function). */
function cappedContext(context: CallContext, max: number, plugin: string, label: string): CallContext {
  return new Proxy(context, {
    get(target, key) {
      if (key === "read") {
        return (handle: bigint | number) => {
          const block = target.read(handle);
          // Extism's PluginOutput is a DataView; a bridge worker's context answers { bytes(), text() }.
          const length = (block as { byteLength?: unknown } | null)?.byteLength;
          const size = block === null ? 0 : typeof length === "number" ? length : block.bytes().byteLength;
          if (size > max) throw new ThreadspaceError("limit_exceeded", `host function ${label} was passed ${size} bytes, more than the ${max} a request may be (createEngine({ maxRequestBytes })).`, { plugin });
          return block;
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The error a failed host function fails the call with: the engine's own errors keep their code. */
function typed(plugin: string, label: string, error: unknown): ThreadspaceError {
  if (isThreadspaceError(error)) return error;
  if (error instanceof HostFailure && (error.code === "permission_denied" || error.code === "limit_exceeded" || error.code === "quota_exceeded")) {
    return new ThreadspaceError(error.code, `host function ${label}: ${error.message}`, { plugin, cause: error });
  }
  return new ThreadspaceError("plugin_error", `host function ${label} failed on the host: ${messageOf(error)}`, { plugin, cause: error });
}
