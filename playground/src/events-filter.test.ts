import { describe, expect, test } from "vitest";
import { topicMatches } from "./events-filter.ts";

describe("topic filter", () => {
  test("empty shows all; text is looked for in the topic", () => {
    expect(topicMatches("plugin.installed", "")).toBe(true);
    expect(topicMatches("plugin.installed", "install")).toBe(true);
    expect(topicMatches("memory.created", "install")).toBe(false);
  });

  test("with * it is a pattern as the engine's subscriptions read it; a pattern it refuses matches nothing", () => {
    expect(topicMatches("memory.created", "memory.*")).toBe(true);
    expect(topicMatches("memory.created.x", "memory.*")).toBe(false);
    expect(topicMatches("plugin.circuit", "*.circuit")).toBe(true);
    expect(topicMatches("plugin", "plugin.*")).toBe(false);
    expect(topicMatches("memory.created", "memory.**")).toBe(false);
  });
});
