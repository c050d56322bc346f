import { decodeRequest, replyError, replyOk } from "./abi/codec.ts";
import { HostFailure, type ExtismCallContext, type HostApi, type HostCall } from "./host-types.ts";
import type { PermissionTable } from "./permissions.ts";
import type { CallTransaction } from "./transaction.ts";

/** An Extism host function as the SDK calls it: the call context, then one handle. */
export type ExtismHostFunction = (context: ExtismCallContext, handle: bigint) => bigint | Promise<bigint>;

/** True where a host function may suspend the guest on the main thread (JSPI). */
export const canSuspend: boolean = typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function";

/** The import name of an API function: `ts_<api>_<function>` (`ts_log` for the log API's `log`). */
export function importName(api: string, fn: string): string {
  return api === fn ? `ts_${api}` : `ts_${api}_${fn}`;
}

/** Options of {@link buildHostFunctions}. */
export interface HostFunctionOptions {
  readonly maxRequestBytes: number;
  /**
   * Called before every host call (after the permission check, before the request is decoded)
   * with the plugin, the import name (`ts_event_emit`) and the call's transaction; throw
   * `HostFailure("limit_exceeded")` to refuse it.
   */
  readonly beforeCall?: (plugin: string, importName: string, tx: CallTransaction) => void;
  /**
   * The guest can be suspended while an async host function works: JSPI on this thread, or the
   * plugin runs in a worker (Extism's worker mode serves async host functions). Default: JSPI present.
   */
  readonly canSuspend?: boolean;
}

/**
 * Builds the `extism:host/user` functions one plugin imports. Each one checks the permission
 * (live, on every call), decodes and validates the request, serves it inside the call's
 * transaction, and always replies with `{"ok": ...}` or `{"error": {"code", "message"}}`:
 * nothing a plugin sends can make the host throw.
 */
export function buildHostFunctions(
  plugin: string,
  apis: Iterable<HostApi>,
  permissions: PermissionTable,
  options: HostFunctionOptions,
  imported: ReadonlySet<string>,
): Record<string, ExtismHostFunction> {
  const functions: Record<string, ExtismHostFunction> = {};
  for (const api of apis) {
    for (const [fnName, fn] of Object.entries(api.functions)) {
      const name = importName(api.name, fnName);
      // Only what the module imports: an async import makes every call of the plugin suspendable.
      if (!imported.has(name)) continue;
      const prepare = (context: ExtismCallContext, handle: bigint): [unknown, HostCall] => {
        const tx = context.hostContext<CallTransaction | undefined>();
        if (tx === undefined || tx === null) throw new HostFailure("unsupported", `${name} can only be called during a plugin call`);
        if (!permissions.has(plugin, fn.permission)) {
          throw new HostFailure("permission_denied", `${name} needs the "${fn.permission}" permission, which ${plugin} was not granted`);
        }
        options.beforeCall?.(plugin, name, tx);
        return [fn.parse(decodeRequest(context, handle, options.maxRequestBytes)), { plugin, tx }];
      };
      const fail = (context: ExtismCallContext, error: unknown): bigint => {
        if (error instanceof HostFailure) return replyError(context, error.code, error.message);
        return replyError(context, "internal", `${name} failed inside the host: ${error instanceof Error ? error.message : String(error)}`);
      };
      if (fn.async === true && (options.canSuspend ?? canSuspend)) {
        functions[name] = async (context, handle) => {
          try {
            const [request, call] = prepare(context, handle);
            return replyOk(context, await fn.handle(request, call));
          } catch (error) {
            return fail(context, error);
          }
        };
      } else if (fn.async === true) {
        functions[name] = (context, handle) => {
          try {
            prepare(context, handle);
            return replyError(context, "unsupported", `${name} suspends the plugin while the host works, which needs JSPI (Chromium, workerd) or worker isolation; this runtime has neither`);
          } catch (error) {
            return fail(context, error);
          }
        };
      } else {
        functions[name] = (context, handle) => {
          try {
            const [request, call] = prepare(context, handle);
            return replyOk(context, fn.handle(request, call));
          } catch (error) {
            return fail(context, error);
          }
        };
      }
    }
  }
  return functions;
}
