export { run, VERSION } from "./cli.ts";
export { processIo, type CliIo } from "./io.ts";
export { call, type CallOptions } from "./commands/call.ts";
export { cap, type CapOptions } from "./commands/cap.ts";
export { hash, type HashOptions } from "./commands/hash.ts";
export { inspect, inspectTarget, type InspectReport, type HashStatus } from "./commands/inspect.ts";
export { validate } from "./commands/validate.ts";
export { readMemoryLimits, type MemoryLimits } from "./wasm-memory.ts";
export { setTopLevelField } from "./json-edit.ts";
