import { describe, expect, test } from "vitest";
import { isPermissionName, PERMISSIONS, permissionProblem } from "./permissions.ts";

describe("permissions", () => {
  test("lists the eleven built-in permissions", () => {
    expect(PERMISSIONS).toEqual([
      "memory:read",
      "memory:write",
      "thread:read",
      "thread:write",
      "event:emit",
      "event:subscribe",
      "config:read",
      "kv",
      "log",
      "plugin:call",
      "http",
    ]);
  });

  test("accepts every built-in permission", () => {
    for (const permission of PERMISSIONS) expect(permissionProblem(permission)).toBeUndefined();
  });

  test("accepts custom:<name> with lowercase, digits, -, _ and .", () => {
    for (const permission of ["custom:weather", "custom:weather.read", "custom:a-b_c.1"]) {
      expect(isPermissionName(permission)).toBe(true);
    }
  });

  test("refuses malformed custom permissions", () => {
    for (const permission of ["custom:", "custom:Weather", "custom:a b", "custom:a:b", `custom:${"a".repeat(65)}`]) {
      expect(permissionProblem(permission)).toContain("custom:<name>");
    }
  });

  test("suggests the nearest known permission", () => {
    expect(permissionProblem("memory:reed")).toContain('Did you mean "memory:read"?');
    expect(permissionProblem("memory_write")).toContain('Did you mean "memory:write"?');
    expect(permissionProblem("logs")).toContain('Did you mean "log"?');
    expect(permissionProblem("plugin:calls")).toContain('Did you mean "plugin:call"?');
  });

  test("lists the known permissions when nothing is close", () => {
    const message = permissionProblem("network") ?? "";
    expect(message).not.toContain("Did you mean");
    expect(message).toContain("Known permissions: memory:read");
  });

  test("isPermissionName refuses non-strings", () => {
    expect(isPermissionName(1)).toBe(false);
    expect(isPermissionName(undefined)).toBe(false);
  });
});
