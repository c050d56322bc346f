import { describe, expect, test } from "vitest";
import { topicMatches } from "./events-filter.ts";

describe("topic filter", () => {
  test("empty shows all, text is a substring, * is one segment and ** any tail", () => {
    expect(topicMatches("plugin.installed", "")).toBe(true);
    expect(topicMatches("plugin.installed", "install")).toBe(true);
    expect(topicMatches("memory.created", "install")).toBe(false);
    expect(topicMatches("memory.created", "memory.*")).toBe(true);
    expect(topicMatches("memory.created.x", "memory.*")).toBe(false);
    expect(topicMatches("memory.created.x", "memory.**")).toBe(true);
    expect(topicMatches("plugin.circuit", "*.circuit")).toBe(true);
    expect(topicMatches("plugin", "plugin.*")).toBe(false);
  });
});
