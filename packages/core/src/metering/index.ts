/** The metering rewrite: fuel charges and checks, grow reporting and caps, in one pass over a module (docs/metering.md). */
export { rewriteModule, METER_IMPORT_MODULE, type RewriteOptions, type RewriteResult } from "./rewrite-module.ts";
export { readMeterSection, METER_SECTION, METER_VERSION, type MeterInfo } from "./meter-section.ts";
export { FUEL_EXPORT } from "./meter-section.ts";
export { MAX_TABLE_ELEMENTS_CAP } from "./table-cap.ts";
export { InstructionReader, type ReaderContext } from "./instruction-reader.ts";
