/** Guest limits: the host's policy, and the guest memory cap written into modules before compiling. */
export { capGuestMemory, MAX_GUEST_MEMORY_PAGES, type CapGuestMemoryOptions, type GuestMemory, type MemoryCapResult } from "./memory-cap.ts";
export {
  resolveLimits,
  checkHostLimitsPolicy,
  BUILT_IN_DEFAULTS,
  defaultHostMemoryBytes,
  BUILT_IN_CEILINGS,
  NUMERIC_LIMIT_KEYS,
  type HostLimitsPolicy,
  type EffectiveLimits,
  type ResolvedLimits,
  type LimitNote,
  type LimitSource,
  type Isolation,
  type NumericLimitKey,
} from "./limits-policy.ts";
export { readMemoryLimits, WASM_PAGE_BYTES, type MemoryLimits } from "./wasm-memories.ts";
export { describeNotWasm, readSections, readUleb, encodeUleb, ulebLength, SectionId, type WasmSection, type Leb } from "./wasm-sections.ts";
