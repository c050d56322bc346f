import * as v from "valibot";
import { hostFunction, type HostApi } from "../host-types.ts";
import type { ConfigStore } from "../state/config-store.ts";
import { own } from "../state/json-value.ts";
import { objectRequest } from "./object-request.ts";

const key = v.pipe(v.string(), v.minLength(1), v.maxLength(256));
const parseGet = objectRequest({ key: v.optional(key) });

/**
 * `ts_config_get({"key"?})` (permission `config:read`): the plugin's merged config (plugin.json
 * defaults with the embedder's overrides), or one top-level key's value (`null` when unset).
 * It reads the live config: a call made after `engine.config.set` sees the new values.
 */
export function configApi(store: ConfigStore): HostApi {
  return {
    name: "config",
    functions: {
      get: hostFunction("config:read", parseGet, (r, call) => {
        const config = store.get(call.plugin);
        return r.key === undefined ? config : (own(config, r.key) ?? null);
      }),
    },
  };
}
