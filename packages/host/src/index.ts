export { Host, type HostOptions } from "./host.ts";
export { HostFailure, hostFunction, type HostErrorCode, type HostApi, type HostCall, type HostFunction, type ExtismCallContext } from "./host-types.ts";
export type { CustomHostApi, CustomHostHandler } from "./custom-api.ts";
export { CallTransaction, TxMap, autoCommit } from "./transaction.ts";
export { PermissionTable } from "./permissions.ts";
export { importName, canSuspend, type ExtismHostFunction } from "./host-functions.ts";
export type { PluginInvoker } from "./apis/plugin-api.ts";
export { requestParser, Schemas } from "./abi/request.ts";
export { decodeRequest, replyOk, replyError, DEFAULT_MAX_REQUEST_BYTES } from "./abi/codec.ts";
