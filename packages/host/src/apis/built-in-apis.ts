import type { HostApi } from "../host-types.ts";
import type { HostState } from "../state/host-state.ts";
import { configApi } from "./config-api.ts";
import { eventApi } from "./event-api.ts";
import { kvApi } from "./kv-api.ts";
import { logApi } from "./log-api.ts";
import { memoryApi } from "./memory-api.ts";
import { threadApi } from "./thread-api.ts";

/** The APIs every engine serves, in the order their functions are listed. */
export function builtInApis(state: HostState): HostApi[] {
  return [kvApi(state.kv), memoryApi(state.memories), threadApi(state.threads), eventApi(state.events), configApi(state.config), logApi(state.logs)];
}
