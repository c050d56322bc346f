import wabtInit from "wabt";

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

/** Post-MVP features a test module may use. */
export interface WatFeatures {
  threads?: boolean;
  memory64?: boolean;
  multi_memory?: boolean;
  bulk_memory?: boolean;
  mutable_globals?: boolean;
  sign_extension?: boolean;
  sat_float_to_int?: boolean;
  multi_value?: boolean;
  reference_types?: boolean;
  simd?: boolean;
  tail_call?: boolean;
  exceptions?: boolean;
}

/** Compiles WebAssembly text to a binary with the npm `wabt` package (tests only). */
export async function watToWasm(wat: string, features: WatFeatures = {}): Promise<Uint8Array<ArrayBuffer>> {
  wabt ??= wabtInit();
  const module = (await wabt).parseWat("test.wat", wat, features);
  try {
    module.resolveNames();
    // wabt.js validates with its default features only, so modules using proposals skip this.
    if (!features.threads && !features.memory64 && !features.multi_memory && !features.tail_call && !features.exceptions) module.validate();
    return new Uint8Array(module.toBinary({ canonicalize_lebs: true }).buffer);
  } finally {
    module.destroy();
  }
}

/** A module whose memory is `memoryDecl` (e.g. `(memory 1)` or an import) with `grow` and `size` exports. */
export function growWat(memoryDecl: string): string {
  return `(module
  ${memoryDecl}
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))`;
}
