import * as v from "valibot";
import { requestParser } from "../abi/request.ts";
import { hostFunction, type HostApi } from "../host-types.ts";
import type { KvStore } from "../state/kv-store.ts";

const key = v.pipe(v.string(), v.minLength(1), v.maxLength(256));
// Built once: every engine's host serves the same requests (valibot schemas are immutable).
const parseKey = requestParser(v.object({ key }));
const parseSet = requestParser(v.object({ key, value: v.unknown() }));
const parseList = requestParser(v.object({ prefix: v.optional(v.pipe(v.string(), v.maxLength(256)), "") }));

/**
 * `ts_kv_get/set/delete/list`: the plugin's own key-value state (permission `kv`).
 * - get `{"key"}` → `{"ok": value | null}`
 * - set `{"key", "value"}` → `{"ok": true}`
 * - delete `{"key"}` → `{"ok": existed}`
 * - list `{"prefix"?}` → `{"ok": [keys]}`
 */
export function kvApi(store: KvStore): HostApi {
  return {
    name: "kv",
    functions: {
      get: hostFunction("kv", parseKey, (r, call) => store.get(call.tx, call.plugin, r.key) ?? null),
      set: hostFunction("kv", parseSet, (r, call) => {
        store.set(call.tx, call.plugin, r.key, r.value ?? null);
        return true;
      }),
      delete: hostFunction("kv", parseKey, (r, call) => store.delete(call.tx, call.plugin, r.key)),
      list: hostFunction("kv", parseList, (r, call) =>
        store.keys(call.tx, call.plugin, r.prefix),
      ),
    },
  };
}
