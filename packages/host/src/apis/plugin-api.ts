import * as v from "valibot";
import { requestParser } from "../abi/request.ts";
import { hostFunction, type HostApi } from "../host-types.ts";

/**
 * Runs `exportName` of `callee` for `caller` and resolves with its output text. The engine
 * provides it: it checks that `callee` is one of the caller's dependencies and throws
 * `HostFailure` otherwise.
 */
export type PluginInvoker = (caller: string, callee: string, exportName: string, input: string) => Promise<string>;

const name = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const parseCall = requestParser(v.object({ plugin: name, export: name, input: v.optional(v.pipe(v.string(), v.maxLength(1024 * 1024)), "") }));

/**
 * `ts_plugin_call({"plugin", "export", "input"?})` (permission `plugin:call`): calls an export of
 * one of the caller's dependencies and replies with its output as a string. The caller is
 * suspended while the callee runs (JSPI or a worker); the callee's writes commit when it returns.
 */
export function pluginApi(invoke: PluginInvoker): HostApi {
  return {
    name: "plugin",
    functions: {
      call: {
        ...hostFunction(
          "plugin:call",
          parseCall,
          (r, call) => invoke(call.plugin, r.plugin, r.export, r.input),
        ),
        async: true,
      },
    },
  };
}
