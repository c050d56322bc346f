/**
 * An embedder's typed client from the installed packages: `threadspace bindgen <bundle> --lang ts`
 * run by the installed CLI on an example's plugin.json, then the generated file and code using it
 * type-checked against the published declarations of @threadspace/core (tsc, strict).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, inject, test } from "vitest";
import { appDir } from "./consumer-project.ts";
import { run } from "./run.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("threadspace bindgen --lang ts writes a client that typechecks against the published @threadspace/core", async () => {
  const project = inject("consumerProject");
  const dir = appDir(project, "bindgen");
  for (const example of ["hello", "memory-analyzer"]) {
    mkdirSync(join(dir, example));
    copyFileSync(join(root, "examples", example, "plugin.json"), join(dir, example, "plugin.json"));
    const generated = await run(project, dir, "threadspace", ["bindgen", example, "--lang", "ts", "--out", `${example}-plugin.ts`]);
    expect(generated.code, generated.stderr).toBe(0);
  }
  writeFileSync(
    join(dir, "app.ts"),
    [
      `import { createEngine, typedPlugin } from "@threadspace/core";`,
      `import { helloPlugin, type HelloExports } from "./hello-plugin.js";`,
      `import { memoryAnalyzerPlugin } from "./memory-analyzer-plugin.js";`,
      `const engine = await createEngine();`,
      `const text: string = await typedPlugin<HelloExports>(engine, "hello").greet("World");`,
      `const again: string = await helloPlugin(engine).greet(text);`,
      `const reply = await memoryAnalyzerPlugin(engine).analyze_memory("m1");`,
      `const words: number | string = reply.status === "success" ? reply.analysis.wordCount : reply.code;`,
      `// @ts-expect-error: greet takes text`,
      `await helloPlugin(engine).greet({ name: "World" });`,
      `console.log(again, words);`,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, lib: ["ES2023", "DOM"], types: [] }, include: ["*.ts"] }),
  );
  // The repository's compiler, against the consumer project's installed packages.
  let errors = "";
  try {
    execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(dir, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    errors = String((error as { stdout?: string }).stdout ?? error);
  }
  expect(errors).toBe("");
});
