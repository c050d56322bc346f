import { describe, expect, it } from "vitest";
import { hostMatches, matchingPattern } from "./host-patterns.ts";

describe("host patterns", () => {
  it("matches exact names and * as any run of characters", () => {
    expect(hostMatches("api.example.com", "api.example.com")).toBe(true);
    expect(hostMatches("api.example.com", "*.example.com")).toBe(true);
    expect(hostMatches("a.b.example.com", "*.example.com")).toBe(true);
    expect(hostMatches("example.com", "*.example.com")).toBe(false);
    expect(hostMatches("evil-example.com", "*.example.com")).toBe(false);
    expect(hostMatches("example.com.evil.net", "*.example.com")).toBe(false);
    expect(hostMatches("anything", "*")).toBe(true);
    expect(hostMatches("api-7.example.com", "api-*.example.com")).toBe(true);
    expect(hostMatches("api.example.com", "api-*.example.com")).toBe(false);
  });

  it("names the first matching pattern", () => {
    expect(matchingPattern("localhost", ["example.com", "local*"])).toBe("local*");
    expect(matchingPattern("localhost", ["example.com"])).toBeUndefined();
  });
});
