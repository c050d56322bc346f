import { describe, expect, test } from "vitest";
import * as api from "./index.ts";

describe("public API", () => {
  test("exports exactly the documented values", () => {
    expect(Object.keys(api).sort()).toEqual([
      "MAX_ALLOWED_HOSTS",
      "MAX_LINKED_MODULES",
      "MAX_MANIFEST_BYTES",
      "MAX_MANIFEST_DEPTH",
      "MAX_MEMORY_PAGES",
      "MAX_TABLE_ELEMENTS",
      "PERMISSIONS",
      "RESERVED_PLUGIN_NAMES",
      "describeValue",
      "didYouMean",
      "hostPatternProblem",
      "isPermissionName",
      "nameProblem",
      "parseDependency",
      "parseManifest",
      "safeParseManifest",
      "satisfiesVersion",
      "suggest",
    ]);
  });

  test("caps are 64 KiB and 32 levels", () => {
    expect(api.MAX_MANIFEST_BYTES).toBe(65536);
    expect(api.MAX_MANIFEST_DEPTH).toBe(32);
  });
});
