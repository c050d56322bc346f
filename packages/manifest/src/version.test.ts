import { describe, expect, test } from "vitest";
import { rangeProblem, satisfiesVersion, versionProblem } from "./version.ts";

describe("versionProblem", () => {
  test.each(["1.0.0", "0.0.1", "10.20.30", "1.0.0-beta.1", "1.0.0+build.5", "2.1.0-rc.1+sha.abc"])("accepts %s", (version) => {
    expect(versionProblem(version)).toBeUndefined();
  });

  test.each(["1", "1.0", "v1.0.0", "=1.0.0", " 1.0.0", "1.0.0 ", "latest", "", "01.0.0", "1.0.0.0"])("refuses %j with an example", (version) => {
    expect(versionProblem(version)).toContain('e.g. "1.0.0"');
  });

  test("suggests the plain form", () => {
    expect(versionProblem("1.0")).toContain('Did you mean "1.0.0"?');
    expect(versionProblem("v2.3.4")).toContain('Did you mean "2.3.4"?');
  });
});

describe("rangeProblem", () => {
  test.each(["*", "^1.2.0", "~1.2", ">=1.0.0 <2.0.0", "1.x", "1.2.3 || 2.x", "x"])("accepts %j", (range) => {
    expect(rangeProblem(range)).toBeUndefined();
  });

  test.each(["latest", "^^1", ">=a", "1.2.3 - "])("refuses %j", (range) => {
    expect(rangeProblem(range)).toContain("not a semver range");
  });

  test("refuses ranges longer than 256 characters, quickly", () => {
    const started = performance.now();
    expect(rangeProblem("1.2.3 - ".repeat(7000))).toContain("the limit is 256");
    expect(performance.now() - started).toBeLessThan(50);
    expect(rangeProblem(`>=1.0.0 ${" ".repeat(240)}<2.0.0`)).toBeUndefined();
  });

  test("refuses an empty range", () => {
    expect(rangeProblem("  ")).toContain("empty");
  });
});

describe("satisfiesVersion", () => {
  test("follows semver", () => {
    expect(satisfiesVersion("1.4.0", "^1.2.0")).toBe(true);
    expect(satisfiesVersion("2.0.0", "^1.2.0")).toBe(false);
    expect(satisfiesVersion("1.2.5", "~1.2.0")).toBe(true);
    expect(satisfiesVersion("1.5.0", ">=1.0.0 <2.0.0")).toBe(true);
  });

  test("keeps semver's default for prereleases", () => {
    expect(satisfiesVersion("1.3.0-beta.1", "^1.2.0")).toBe(false);
    expect(satisfiesVersion("1.2.0-beta.2", "^1.2.0-beta.1")).toBe(true);
    expect(satisfiesVersion("2.0.0-rc.1", ">=1.0.0")).toBe(false);
  });

  test('"*" matches every valid version, prereleases included', () => {
    for (const version of ["0.0.1", "1.0.0", "99.1.2", "1.0.0-alpha", "2.0.0-rc.1+build"]) {
      expect(satisfiesVersion(version, "*")).toBe(true);
      expect(satisfiesVersion(version, "x")).toBe(true);
      expect(satisfiesVersion(version, "")).toBe(true);
    }
  });

  test("invalid versions and ranges match nothing and never throw", () => {
    expect(satisfiesVersion("banana", "*")).toBe(false);
    expect(satisfiesVersion("1.0.0", "latest")).toBe(false);
    expect(satisfiesVersion(undefined as unknown as string, "*")).toBe(false);
    expect(satisfiesVersion("1.0.0", null as unknown as string)).toBe(false);
  });
});
