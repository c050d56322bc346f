import { describe, expect, it } from "vitest";
import { CallChains } from "./call-chains.ts";

describe("CallChains", () => {
  it("follows running calls back through their callers", () => {
    const chains = new CallChains();
    expect(chains.leadsTo(undefined, "a")).toBe(false);
    expect(chains.leadsTo("a", "a")).toBe(true);
    chains.running("c", "a");
    expect(chains.leadsTo("c", "a")).toBe(true);
    expect(chains.leadsTo("c", "b")).toBe(false);
    chains.running("d", "c");
    expect(chains.leadsTo("d", "a")).toBe(true);
    chains.done("c");
    expect(chains.leadsTo("d", "a")).toBe(false);
    chains.running("c", undefined);
    expect(chains.leadsTo("d", "a")).toBe(false);
  });

  it("stops on a cycle", () => {
    const chains = new CallChains();
    chains.running("a", "b");
    chains.running("b", "a");
    expect(chains.leadsTo("a", "z")).toBe(false);
  });
});
