export { ExportContract } from "./export-contract.ts";
export { checkDeclaredExports } from "./declared-exports.ts";
export { describeExports, type ExportInfo } from "./export-info.ts";
export { typedPlugin, type CallingEngine, type ExportEncodings, type ExportTypes, type TypedPlugin } from "./typed-plugin.ts";
