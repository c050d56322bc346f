import { describe, expect, test } from "vitest";
import { parseRoute, routeHash } from "./route.ts";

describe("routes", () => {
  test("a plugin's tab round-trips through the hash; unknown parts fall back", () => {
    expect(parseRoute("#/plugin/memory-analyzer/health")).toEqual({ page: "plugin", plugin: "memory-analyzer", tab: "health" });
    expect(routeHash({ page: "plugin", plugin: "a b", tab: "call" })).toBe("#/plugin/a%20b/call");
    expect(parseRoute(routeHash({ page: "plugin", plugin: "a b", tab: "call" }))).toEqual({ page: "plugin", plugin: "a b", tab: "call" });
    expect(parseRoute("#/plugin/hello/nope")).toEqual({ page: "plugin", plugin: "hello", tab: "overview" });
    expect(parseRoute("#/events")).toEqual({ page: "events" });
    expect(parseRoute("")).toEqual({ page: "start" });
    expect(parseRoute("#/plugin/")).toEqual({ page: "start" });
    expect(parseRoute("#/elsewhere")).toEqual({ page: "start" });
  });
});
