import { isThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { readLocalBundle } from "./local-bundle.ts";

const wasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
const file = (name: string, body: string | Uint8Array<ArrayBuffer>): File => new File([body], name);

async function failure(files: File[]): Promise<string> {
  try {
    await readLocalBundle(files);
  } catch (error) {
    if (isThreadspaceError(error, "source_invalid")) return error.message;
    throw error;
  }
  throw new Error("expected source_invalid");
}

describe("readLocalBundle", () => {
  test("takes plugin.json and the wasm its main names, among other files", async () => {
    const manifest = JSON.stringify({ name: "p", main: "build/p.wasm" });
    const bundle = await readLocalBundle([file("README.md", "x"), file("other.wasm", new Uint8Array([1])), file("plugin.json", manifest), file("p.wasm", wasm)]);
    expect(bundle.manifest).toBe(manifest);
    expect(bundle.wasm).toEqual(wasm);
  });

  test("takes the only .wasm when main names another file, and plugin.wasm by default", async () => {
    expect((await readLocalBundle([file("plugin.json", "{}"), file("x.wasm", wasm)])).wasm).toEqual(wasm);
    expect((await readLocalBundle([file("a.wasm", new Uint8Array([1])), file("plugin.wasm", wasm), file("plugin.json", "{}")])).wasm).toEqual(wasm);
  });

  test("passes a manifest that is not JSON on to the engine, which reports where it breaks", async () => {
    expect((await readLocalBundle([file("plugin.json", "{oops"), file("plugin.wasm", wasm)])).manifest).toBe("{oops");
  });

  test("says what is missing and what to pick", async () => {
    expect(await failure([file("plugin.wasm", wasm)])).toMatch(/no plugin\.json among the 1 file\(s\) picked \(plugin\.wasm\)/);
    expect(await failure([file("plugin.json", "{}")])).toMatch(/no \.wasm file was picked: pick plugin\.wasm too/);
    expect(await failure([file("plugin.json", "{}"), file("a.wasm", wasm), file("b.wasm", wasm)])).toMatch(/the \.wasm files picked are a\.wasm, b\.wasm: pick plugin\.wasm too/);
  });
});
