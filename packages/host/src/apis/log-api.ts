import * as v from "valibot";
import { hostFunction, type HostApi } from "../host-types.ts";
import { isPlainObject } from "../state/json-value.ts";
import { LOG_LEVELS, type LogStore } from "../state/log-store.ts";
import { objectRequest } from "./object-request.ts";

const request = objectRequest({
  level: v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.map((level) => `"${level}"`).join(", ")}`),
  message: v.string(),
  // v.custom keeps the object JSON.parse made (a valibot record would copy keys by assignment).
  fields: v.optional(v.custom<Record<string, unknown>>(isPlainObject, "must be a JSON object")),
});

/**
 * `ts_log({"level", "message", "fields"?})` (permission `log`): writes into the plugin's log
 * (`engine.logs(name)`). Replies `true`, also when the entry was below the plugin's level and
 * dropped. Entries are kept even when the call later traps.
 */
export function logApi(store: LogStore): HostApi {
  return {
    name: "log",
    functions: {
      log: hostFunction("log", request, (r, call) => {
        store.append(call.plugin, r.level, r.message, r.fields, "plugin");
        return true;
      }),
    },
  };
}
