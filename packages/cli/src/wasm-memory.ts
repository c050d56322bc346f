/** The memory-limits reader lives in core (it also writes the guest memory cap); the CLI shows what it reads. */
export { readMemoryLimits, WASM_PAGE_BYTES, type MemoryLimits } from "@threadspace/core/tools";
