// `threadspace bindgen` on every example: the TypeScript typechecks (tsc) and its client works on a
// real engine, the AssemblyScript compiles (asc), the C compiles (clang, -Werror) and parses and
// writes JSON as the schemas say, and generated files committed in examples are up to date.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, type CallingEngine } from "@threadspace/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run } from "../cli.ts";
import { compileAssemblyScript, compileC, pdkPaths } from "../build/plugin-build.js";
import { captureIo } from "../test-support/capture-io.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const examplesDir = join(root, "examples");
// Inside the repository, so generated code resolves @threadspace/* and asc finds its packages.
const work = join(root, "node_modules", ".cache", `bindgen-test-${process.pid}`);
const examples = readdirSync(examplesDir).filter((name) => existsSync(join(examplesDir, name, "plugin.json")));

/** Runs `threadspace bindgen` on an example (or, with a path, any bundle). */
async function generate(example: string, lang: string, out: string): Promise<void> {
  const captured = captureIo({ cwd: root });
  const code = await run(["bindgen", example.includes("/") ? example : join("examples", example), "--lang", lang, "--out", out], captured.io);
  expect(code, captured.stderr()).toBe(0);
}

beforeAll(() => mkdirSync(work, { recursive: true }));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("bindgen --lang ts", () => {
  test("the bindings of every example typecheck with tsc, used as embedders would", async () => {
    const dir = join(work, "ts");
    mkdirSync(dir, { recursive: true });
    for (const example of examples) await generate(example, "ts", join(dir, `${example}.ts`));
    writeFileSync(
      join(dir, "usage.ts"),
      [
        `import { createEngine } from "@threadspace/core";`,
        `import { helloPlugin, type HelloExports } from "./hello.ts";`,
        `import { memoryAnalyzerPlugin } from "./memory-analyzer.ts";`,
        `import { countVowelsPlugin } from "./count-vowels.ts";`,
        `const engine = await createEngine();`,
        `const greeting: string = await helloPlugin(engine).greet("World");`,
        `const reply = await memoryAnalyzerPlugin(engine).analyze_memory("m1");`,
        `if (reply.status === "success") { const words: number = reply.analysis.wordCount; void words; } else { const code: string = reply.code; void code; }`,
        `const counted: { count: number; total: number; vowels: string } = await countVowelsPlugin(engine).count_vowels("aeiou");`,
        `// @ts-expect-error: greet takes text`,
        `await helloPlugin(engine).greet(42);`,
        `type Greet = HelloExports["greet"]["output"];`,
        `const typed: Greet = greeting;`,
        `void typed; void counted;`,
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: join(root, "tsconfig.base.json"), compilerOptions: { noUnusedLocals: true, noUnusedParameters: true }, include: ["*.ts"] }));
    const tsc = join(root, "node_modules", ".bin", "tsc");
    let output = "";
    try {
      execFileSync(tsc, ["-p", join(dir, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe("");
  }, 120_000);

  test("the generated client calls a real engine: text and JSON encoded and decoded, bad inputs refused", async () => {
    const file = join(work, "client", "clients.ts");
    mkdirSync(join(work, "client"), { recursive: true });
    await generate("hello", "ts", join(work, "client", "hello.ts"));
    await generate("count-vowels", "ts", join(work, "client", "count-vowels.ts"));
    writeFileSync(file, `export { helloPlugin } from "./hello.ts";\nexport { countVowelsPlugin } from "./count-vowels.ts";\n`);
    const { helloPlugin, countVowelsPlugin } = (await import(file)) as {
      helloPlugin(engine: CallingEngine): { greet(name: string): Promise<string> };
      countVowelsPlugin(engine: CallingEngine): { count_vowels(text: string): Promise<unknown> };
    };
    const engine = await createEngine();
    try {
      await engine.install(join(examplesDir, "hello"));
      await engine.install(join(examplesDir, "count-vowels"));
      expect(await helloPlugin(engine).greet("World")).toBe("Hello, World!");
      expect(await countVowelsPlugin(engine).count_vowels("Hello")).toEqual({ count: 2, total: 2, vowels: "aeiouAEIOU" });
      await expect(helloPlugin(engine).greet("x".repeat(2000))).rejects.toMatchObject({ code: "bad_input", issues: [{ path: "$" }] });
    } finally {
      await engine.close();
    }
  });
});

describe("bindgen --lang as", () => {
  test("the bindings of every example compile with asc and @threadspace/pdk-as", async () => {
    for (const example of examples) {
      const dir = join(work, "as", example);
      mkdirSync(join(dir, "src"), { recursive: true });
      await generate(example, "as", join(dir, "src", "exports.generated.ts"));
      writeFileSync(join(dir, "src", "index.ts"), `export * from "./exports.generated";\n`);
      // Classes are compiled through the read/write functions that use them; asc notes (AS235) that
      // \`export *\` cannot export classes from a module, and nothing else may be reported.
      const warnings = await compileAssemblyScript(dir, join(dir, "plugin.wasm"), true);
      expect(warnings.split("\n").filter((line) => /WARNING|ERROR/.test(line) && !line.includes("AS235")), example).toEqual([]);
      expect(existsSync(join(dir, "plugin.wasm")), example).toBe(true);
    }
  }, 240_000);

  test("the committed example bindings are what bindgen writes now", async () => {
    const committed = join(examplesDir, "count-vowels", "src", "exports.generated.ts");
    const fresh = join(work, "count-vowels.generated.ts");
    await generate("count-vowels", "as", fresh);
    expect(readFileSync(committed, "utf8")).toBe(readFileSync(fresh, "utf8"));
  });
});

describe("bindgen --lang c", () => {
  test("the bindings of every example compile with clang -Wall -Wextra -Werror", async () => {
    for (const example of examples) {
      const dir = join(work, "c", example);
      mkdirSync(dir, { recursive: true });
      await generate(example, "c", join(dir, "exports.generated.h"));
      writeFileSync(join(dir, "check.c"), `#include "threadspace.h"\n#include "exports.generated.h"\n`);
      execFileSync("clang", ["--target=wasm32-unknown-unknown", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function", "-I", pdkPaths.c, join(dir, "check.c")], { stdio: "pipe" });
    }
  }, 120_000);

  test("a C plugin parses its input and writes its output through the generated helpers", async () => {
    const dir = join(work, "c-roundtrip");
    mkdirSync(join(dir, "src"), { recursive: true });
    const side = {
      type: "object",
      required: ["name", "n", "x", "ok"],
      properties: { name: { type: "string", maxLength: 8 }, n: { type: "integer" }, x: { type: "number" }, ok: { type: "boolean" }, tags: { type: "array" }, note: { type: "string" } },
    };
    const manifest = { name: "roundtrip", version: "1.0.0", interface: "extism", exports: { echo_item: { input: side, output: side } } };
    writeFileSync(join(dir, "plugin.json"), JSON.stringify(manifest));
    await generate(dir, "c", join(dir, "src", "exports.generated.h"));
    writeFileSync(
      join(dir, "src", "plugin.c"),
      [
        `#include "threadspace.h"`,
        `#include "exports.generated.h"`,
        `TS_EXPORT(echo_item) int32_t echo_item(void) {`,
        `  static char json[1024]; static char text[1024];`,
        `  static roundtrip_echo_item_input in; static roundtrip_echo_item_output out;`,
        `  ts_input_read(json, sizeof json);`,
        `  if (roundtrip_echo_item_input_parse(json, &in) != 0) return ts_fail("cannot parse the input");`,
        `  for (int i = 0; i < 33; i++) out.name[i] = in.name[i];`,
        `  out.n = in.n * 2; out.x = in.x; out.ok = !in.ok;`,
        `  out.tags_json = in.tags_json; out.tags_len = in.tags_len; out.has_tags = in.has_tags;`,
        `  for (int i = 0; i < 256; i++) out.note[i] = in.note[i];`,
        `  out.has_note = in.has_note;`,
        `  const char *written = roundtrip_echo_item_output_write(&out, text, sizeof text);`,
        `  if (written == 0) return ts_fail("the output does not fit");`,
        `  ts_output_str(written);`,
        `  return 0;`,
        `}`,
        "",
      ].join("\n"),
    );
    compileC(dir, join(dir, "plugin.wasm"));
    const engine = await createEngine({ checkOutputs: true });
    try {
      await engine.install({ manifest, wasm: new Uint8Array(readFileSync(join(dir, "plugin.wasm"))) });
      const call = async (input: object) => (await engine.call("roundtrip", "echo_item", input)).json();
      expect(await call({ name: "Zoë \"q\"", n: -21, x: 2.5, ok: true, tags: ["a", { b: [1] }] })).toEqual({ name: "Zoë \"q\"", n: -42, x: 2.5, ok: false, tags: ["a", { b: [1] }] });
      expect(await call({ tags: [], note: "later", ok: false, x: -0.125, n: 0, name: "" })).toEqual({ name: "", n: 0, x: -0.125, ok: true, tags: [], note: "later" });
      await expect(call({ name: "much too long", n: 1, x: 1, ok: true })).rejects.toMatchObject({ code: "bad_input", issues: [{ path: "$.name" }] });
    } finally {
      await engine.close();
    }
  }, 60_000);
});

