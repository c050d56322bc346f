export { exposeEngine, type ExposeOptions } from "./expose-engine.ts";
export { connectEngine, type EngineEndpoint } from "./connect-engine.ts";
export type { RemoteEngine, RemoteUnsubscribe, Async } from "./remote-engine.ts";
export { EngineFacade } from "./engine-facade.ts";
export { registerErrorTransfer, serializeThreadspaceError, deserializeThreadspaceError, type ThreadspaceErrorData } from "./error-transfer.ts";
export { ThreadspaceError, isThreadspaceError, type ThreadspaceErrorCode } from "@threadspace/errors";
