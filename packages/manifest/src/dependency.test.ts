import { isThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { dependencyName, dependencyProblem, parseDependency } from "./dependency.ts";

describe("parseDependency", () => {
  test('a bare name accepts any version ("*")', () => {
    expect(parseDependency("hello")).toEqual({ name: "hello", range: "*" });
  });

  test("splits name@range", () => {
    expect(parseDependency("name@^1.2.0")).toEqual({ name: "name", range: "^1.2.0" });
    expect(parseDependency("memory-analyzer@>=1.0.0 <2.0.0")).toEqual({ name: "memory-analyzer", range: ">=1.0.0 <2.0.0" });
    expect(parseDependency("my_plugin@*")).toEqual({ name: "my_plugin", range: "*" });
  });

  test.each(["", "@^1.0.0", "Hello", "hello@", "hello@latest", "hello world", "hello>=1.0.0", "1abc", 42])(
    "throws manifest_invalid on %j",
    (spec) => {
      let caught: unknown;
      try {
        parseDependency(spec as string);
      } catch (error) {
        caught = error;
      }
      expect(isThreadspaceError(caught, "manifest_invalid")).toBe(true);
      if (isThreadspaceError(caught)) expect(caught.issues).toHaveLength(1);
    },
  );
});

describe("dependencyProblem", () => {
  test("explains a missing name", () => {
    expect(dependencyProblem("@^1.0.0")).toContain("the plugin name is missing");
  });

  test("explains a bad name with the name rule", () => {
    expect(dependencyProblem("Hello@^1.0.0")).toContain("^[a-z][a-z0-9_-]*$");
  });

  test("explains a bad range and shows how to write one", () => {
    const message = dependencyProblem("hello@latest") ?? "";
    expect(message).toContain('"latest" is not a semver range');
    expect(message).toContain('"hello@^1.2.0"');
    expect(message).toContain('just "hello" for any version');
    expect(dependencyProblem("hello@")).toContain('nothing follows "@"');
  });

  test("refuses overlong ranges", () => {
    expect(dependencyProblem(`hello@${"1.2.3 - ".repeat(100)}`)).toContain("longer than 256 characters");
  });

  test("rewrites the pip style of the original guide", () => {
    expect(dependencyProblem("dependency1>=1.0.0")).toContain('"dependency1@>=1.0.0"');
  });

  test("dependencyName gives the name of valid specs only", () => {
    expect(dependencyName("a@^1")).toBe("a");
    expect(dependencyName("a")).toBe("a");
    expect(dependencyName("a@nope")).toBeUndefined();
  });
});
