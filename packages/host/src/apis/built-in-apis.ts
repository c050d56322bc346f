import type { HostApi } from "../host-types.ts";
import type { HostState } from "../state/host-state.ts";
import { kvApi } from "./kv-api.ts";

/** The APIs every engine serves, in the order their functions are listed. */
export function builtInApis(state: HostState): HostApi[] {
  return [kvApi(state.kv)];
}
