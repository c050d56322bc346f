import { describe, expect, test } from "vitest";
import { toJsonPath } from "./json-path.ts";

describe("toJsonPath", () => {
  test("the document itself is $", () => {
    expect(toJsonPath([])).toBe("$");
  });

  test("identifier keys use dots, indexes use brackets", () => {
    expect(toJsonPath(["dependencies", 1])).toBe("$.dependencies[1]");
    expect(toJsonPath(["limits", "timeoutMs"])).toBe("$.limits.timeoutMs");
    expect(toJsonPath(["config", "features", "feature_1"])).toBe("$.config.features.feature_1");
  });

  test("other keys are quoted in brackets", () => {
    expect(toJsonPath(["config", "my key"])).toBe('$.config["my key"]');
    expect(toJsonPath(["config", "a.b"])).toBe('$.config["a.b"]');
    expect(toJsonPath(["config", ""])).toBe('$.config[""]');
    expect(toJsonPath(["config", 'say "hi"'])).toBe('$.config["say \\"hi\\""]');
    expect(toJsonPath(["config", "1abc"])).toBe('$.config["1abc"]');
  });
});
