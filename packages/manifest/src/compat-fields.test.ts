import { describe, expect, it } from "vitest";
import { safeParseManifest } from "./parse.ts";
import { hostPatternProblem, moduleNameProblem } from "./compat-fields.ts";

const base = { name: "p", version: "1.0.0" };

describe("allowedHosts", () => {
  it("accepts host names and * patterns, refuses schemes, ports, paths and uppercase with a hint", () => {
    for (const ok of ["api.example.com", "*.example.com", "*", "localhost", "127.0.0.1", "api-*.example.org"]) expect(hostPatternProblem(ok), ok).toBeUndefined();
    expect(hostPatternProblem("https://example.com")).toContain("without scheme or path");
    expect(hostPatternProblem("example.com:8080")).toContain("port");
    expect(hostPatternProblem("Example.com")).toContain('write "example.com"');
    expect(hostPatternProblem("a..b")).toBeDefined();
  });

  it("is kept in the parsed manifest, and a bad entry names its path", () => {
    const parsed = safeParseManifest({ ...base, allowedHosts: ["*.example.com"] });
    expect(parsed.success && parsed.output.allowedHosts).toEqual(["*.example.com"]);
    const bad = safeParseManifest({ ...base, allowedHosts: ["ok.com", "http://x"] });
    expect(bad.issues[0]?.path).toBe("$.allowedHosts[1]");
  });
});

describe("modules", () => {
  it("takes { name: { path, hash? } } with main's path rules", () => {
    const parsed = safeParseManifest({ ...base, modules: { math: { path: "lib/math.wasm" } } });
    expect(parsed.success && parsed.output.modules).toEqual({ math: { path: "lib/math.wasm" } });
    expect(safeParseManifest({ ...base, modules: { math: { path: "../math.wasm" } } }).success).toBe(false);
    expect(safeParseManifest({ ...base, modules: { math: "math.wasm" } }).success).toBe(false);
    expect(safeParseManifest({ ...base, modules: { math: { path: "math.wasm", hash: "nope" } } }).success).toBe(false);
  });

  it("refuses the namespaces the host serves as module names", () => {
    for (const name of ["main", "env", "extism:host/env", "extism:host/user", "wasi_snapshot_preview1", "threadspace:meter"]) expect(moduleNameProblem(name), name).toBeDefined();
    expect(moduleNameProblem("math")).toBeUndefined();
    const refused = safeParseManifest({ ...base, modules: { main: { path: "x.wasm" } } });
    expect(refused.success).toBe(false);
    expect(refused.issues[0]?.message).toContain("namespace the host serves");
  });

  it("gives the parsed modules no prototype to reach", () => {
    const parsed = safeParseManifest(JSON.parse('{"name":"p","version":"1.0.0","modules":{"__proto__":{"path":"x.wasm"}}}'));
    if (parsed.success) expect(Object.getPrototypeOf(parsed.output.modules)).toBeNull();
  });
});
