import { isThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { compileWasm, runtimeCompiles } from "./wasm-module.ts";

describe("compileWasm", () => {
  test("a runtime that compiles at run time (Node) says so once; a module that does not compile is wasm_invalid, not source_invalid", async () => {
    expect(await runtimeCompiles()).toBe(true);
    // Magic and version, then a section id that does not exist.
    const broken = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x7f, 0x00]);
    const error = await compileWasm(broken, "p").catch((e: unknown) => e);
    expect(isThreadspaceError(error, "wasm_invalid")).toBe(true);
    expect((await compileWasm(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]), "p")) instanceof WebAssembly.Module).toBe(true);
  });
});
