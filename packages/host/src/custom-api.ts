import type { PermissionName } from "@threadspace/manifest";
import { HostFailure, type HostApi, type HostCall, type HostFunction } from "./host-types.ts";

/** A function of an embedder's API: gets the decoded JSON request (untrusted), returns JSON. */
export type CustomHostHandler = (request: unknown, call: HostCall) => unknown;

/** What `engine.defineHostApi` takes. */
export interface CustomHostApi {
  /** Lowercase name; functions are imported as `ts_<name>_<function>`. */
  readonly name: string;
  /** The permission a plugin must hold (e.g. `custom:weather`), checked like built-in ones. */
  readonly permission: PermissionName;
  readonly functions: Readonly<Record<string, CustomHostHandler | { parse: (request: unknown) => unknown; handle: CustomHostHandler }>>;
}

const NAME = /^[a-z][a-z0-9]{0,31}$/;
const FUNCTION = /^[a-z][a-z0-9_]{0,63}$/;

/** Turns an embedder's API definition into a {@link HostApi}, checking its names. */
export function toHostApi(definition: CustomHostApi, reserved: ReadonlySet<string>): HostApi {
  if (!NAME.test(definition.name)) {
    throw new HostFailure("bad_request", `host API name "${definition.name}" must match ${NAME} (lowercase letters and digits)`);
  }
  if (reserved.has(definition.name)) throw new HostFailure("bad_request", `host API "${definition.name}" is already defined; pick another name`);
  const functions: Record<string, HostFunction<unknown>> = {};
  for (const [name, spec] of Object.entries(definition.functions)) {
    if (!FUNCTION.test(name)) throw new HostFailure("bad_request", `function "${name}" of host API "${definition.name}" must match ${FUNCTION}`);
    const { parse, handle } = typeof spec === "function" ? { parse: (r: unknown) => r, handle: spec } : spec;
    functions[name] = { permission: definition.permission, parse, handle };
  }
  return { name: definition.name, functions };
}
