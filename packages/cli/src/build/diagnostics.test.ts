import { describe, expect, test } from "vitest";
import { formatAscDiagnostics, formatBuildError, formatClangDiagnostics } from "./diagnostics.ts";
import { BuildError } from "./plugin-build.js";

// asc's output for two errors, as `threadspace build` got it (paths relative to the plugin's folder).
const ASC = `ERROR TS2304: Cannot find name 'foo'.
    :
 48 │ foo(1);
    │ ~~~
    └─ in src/index.ts(48,3)

ERROR TS2322: Type '~lib/string/String' is not assignable to type 'i32'.
    :
 49 │ let x: i32 = "s";
    │              ~~~
    └─ in src/index.ts(49,16)

FAILURE 2 compile error(s)`;

describe("build diagnostics as file:line:col relative to the working directory", () => {
  test("AssemblyScript: each problem on one line, its excerpt below, the FAILURE summary dropped", () => {
    expect(formatAscDiagnostics(ASC, "/work/plugins/notes", "/work")).toBe(
      `plugins/notes/src/index.ts:48:3: error TS2304: Cannot find name 'foo'.\n 48 │ foo(1);\n    │ ~~~\nplugins/notes/src/index.ts:49:16: error TS2322: Type '~lib/string/String' is not assignable to type 'i32'.\n 49 │ let x: i32 = "s";\n    │              ~~~`,
    );
    expect(formatAscDiagnostics(ASC, "/work/plugins/notes", "/work/plugins/notes")).toMatch(/^src\/index.ts:48:3: error TS2304/);
    // Outside the working directory: absolute. A library path stays as asc names it.
    expect(formatAscDiagnostics(ASC, "/elsewhere/notes", "/work")).toMatch(/^\/elsewhere\/notes\/src\/index.ts:48:3:/);
    expect(formatAscDiagnostics("WARNING AS201: Conversion.\n    :\n 3 │ x\n    └─ in ~lib/rt/itcms.ts(3,1)", "/p", "/p")).toBe("~lib/rt/itcms.ts:3:1: warning AS201: Conversion.\n 3 │ x");
  });

  test("clang: absolute paths at the start of diagnostic lines become relative", () => {
    const text = "/work/plugins/notes/src/plugin.c:1:12: error: expected ')'\nint broken( {\n           ^\n/work/plugins/notes/src/plugin.c:1:11: note: to match this '('";
    expect(formatClangDiagnostics(text, "/work/plugins/notes", "/work")).toBe("plugins/notes/src/plugin.c:1:12: error: expected ')'\nint broken( {\n           ^\nplugins/notes/src/plugin.c:1:11: note: to match this '('");
  });

  test("the compiler's command line shows only when asked; other build errors keep their message", () => {
    const error = new BuildError("asc ... long", { compiler: "asc", command: "asc src/index.ts --baseDir /p", diagnostics: ASC, baseDir: "/p", hint: "\nA hint." });
    expect(formatBuildError(error, "/p")).toMatch(/^AssemblyScript found problems:\nsrc\/index.ts:48:3: error TS2304[^]*A hint\.$/);
    expect(formatBuildError(error, "/p", true)).toMatch(/\n\(asc src\/index.ts --baseDir \/p\)$/);
    expect(formatBuildError(new BuildError("nothing to build"), "/p")).toBe("nothing to build");
  });
});
