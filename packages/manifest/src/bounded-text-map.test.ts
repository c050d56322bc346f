import { describe, expect, it } from "vitest";
import { BoundedTextMap } from "./bounded-text-map.ts";

describe("BoundedTextMap", () => {
  it("keeps at most its capacity, dropping the least recently used", () => {
    const map = new BoundedTextMap<number>(2);
    map.set("a", 1);
    map.set("b", 2);
    expect(map.get("a")).toBe(1); // "b" is now the oldest
    map.set("c", 3);
    expect(map.size).toBe(2);
    expect(map.get("b")).toBeUndefined();
    expect(map.get("a")).toBe(1);
    expect(map.get("c")).toBe(3);
  });

  it("matches keys exactly", () => {
    const map = new BoundedTextMap<number>(4);
    map.set('{"name":"a"}', 1);
    expect(map.get('{"name":"a"} ')).toBeUndefined();
    expect(map.get('{"name":"a"}')).toBe(1);
  });
});
