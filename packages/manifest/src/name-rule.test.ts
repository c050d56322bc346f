import { describe, expect, test } from "vitest";
import { nameProblem } from "./name-rule.ts";

describe("nameProblem", () => {
  test.each(["my_plugin", "a", "hello", "pattern-recognizer", "x1_2-3", "a".repeat(64)])("accepts %j", (name) => {
    expect(nameProblem(name)).toBeUndefined();
  });

  test.each(["My_plugin", "1plugin", "_plugin", "-plugin", "my plugin", "my.plugin", "plügin", "my@plugin"])(
    "refuses %j, naming the pattern and an example",
    (name) => {
      const message = nameProblem(name) ?? "";
      expect(message).toContain("^[a-z][a-z0-9_-]*$");
      expect(message).toContain('e.g. "my_plugin"');
    },
  );

  test("refuses empty and too long names", () => {
    expect(nameProblem("")).toContain("empty");
    expect(nameProblem("a".repeat(65))).toContain("the limit is 64");
  });

  test("suggests a fixed name when one can be made", () => {
    expect(nameProblem("My Plugin")).toContain('Did you mean "my_plugin"?');
    expect(nameProblem("Hello-World")).toContain('Did you mean "hello-world"?');
    expect(nameProblem("123")).not.toContain("Did you mean");
  });
});
