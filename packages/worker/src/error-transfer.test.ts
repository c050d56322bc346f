import * as Comlink from "comlink";
import { describe, expect, it } from "vitest";
import { ThreadspaceError, isThreadspaceError } from "@threadspace/errors";
import { deserializeThreadspaceError, registerErrorTransfer, serializeThreadspaceError } from "./error-transfer.ts";

const issues = [
  { path: "$.name", message: "must be snake_case" },
  { path: "$.version", message: "must be semver" },
];

/** What a thread boundary does to the data: a structured clone. */
function acrossThreads<T>(value: T): T {
  return structuredClone(value);
}

describe("ThreadspaceError transfer", () => {
  it("round-trips code, message, plugin, issues and stack into a real ThreadspaceError", () => {
    const original = new ThreadspaceError("manifest_invalid", "plugin.json has 2 problems.", { plugin: "hello", issues });
    const copy = deserializeThreadspaceError(acrossThreads(serializeThreadspaceError(original)));
    expect(copy).toBeInstanceOf(ThreadspaceError);
    expect(copy).toBeInstanceOf(Error);
    expect(isThreadspaceError(copy, "manifest_invalid")).toBe(true);
    expect(copy.name).toBe("ThreadspaceError");
    expect(copy.message).toBe(original.message);
    expect(copy.message).toBe("[threadspace] [plugin hello] plugin.json has 2 problems.");
    expect(copy.plugin).toBe("hello");
    expect(copy.issues).toEqual(issues);
    expect(copy.stack).toBe(original.stack);
    expect(copy.toJSON()).toEqual(original.toJSON());
  });

  it("keeps an error without a plugin without one, and carries the cause's name and message", () => {
    const original = new ThreadspaceError("hash_mismatch", "the wasm's sha256 differs.", { cause: new TypeError("digest") });
    const copy = deserializeThreadspaceError(acrossThreads(serializeThreadspaceError(original)));
    expect(isThreadspaceError(copy, "hash_mismatch")).toBe(true);
    expect(copy.plugin).toBeUndefined();
    expect(copy.message).toBe("[threadspace] the wasm's sha256 differs.");
    expect(copy.cause).toBeInstanceOf(Error);
    expect((copy.cause as Error).name).toBe("TypeError");
    expect((copy.cause as Error).message).toBe("digest");
  });

  it("turns an unknown code (mismatched versions) into plugin_error and says so", () => {
    const copy = deserializeThreadspaceError({ code: "from_the_future", message: "[threadspace] odd", issues: [] });
    expect(isThreadspaceError(copy, "plugin_error")).toBe(true);
    expect(copy.message).toContain('unknown error code "from_the_future"');
  });

  describe("comlink handlers", () => {
    registerErrorTransfer();

    it("wraps comlink's throw handler once and adds a value handler", () => {
      const wrapped = Comlink.transferHandlers.get("throw");
      registerErrorTransfer(); // a second call changes nothing
      expect(Comlink.transferHandlers.get("throw")).toBe(wrapped);
      expect(Comlink.transferHandlers.has("threadspace-error")).toBe(true);
    });

    it("sends a returned ThreadspaceError as data and rebuilds it", () => {
      const handler = Comlink.transferHandlers.get("threadspace-error");
      if (handler === undefined) throw new Error("not registered");
      const original = new ThreadspaceError("plugin_not_found", 'no plugin named "x" is installed.');
      expect(handler.canHandle(original)).toBe(true);
      expect(handler.canHandle(new Error("plain"))).toBe(false);
      const [wire, transfers] = handler.serialize(original);
      expect(transfers).toEqual([]);
      const copy = handler.deserialize(acrossThreads(wire));
      expect(isThreadspaceError(copy, "plugin_not_found")).toBe(true);
      expect((copy as ThreadspaceError).message).toBe(original.message);
    });

    it("rethrows a ThreadspaceError thrown on the other side, and leaves other errors to comlink", async () => {
      const { port1, port2 } = new MessageChannel();
      Comlink.expose(
        {
          fail: () => {
            throw new ThreadspaceError("export_missing", "has no export named nope.", { plugin: "hello" });
          },
          reject: () => Promise.reject(new ThreadspaceError("manifest_invalid", "bad", { issues })),
          plain: () => {
            throw new RangeError("plain error");
          },
        },
        port1 as unknown as Comlink.Endpoint,
      );
      const remote = Comlink.wrap<{ fail(): void; reject(): Promise<void>; plain(): void }>(port2 as unknown as Comlink.Endpoint);
      try {
        const failed = await remote.fail().then(() => undefined, (error: unknown) => error);
        expect(isThreadspaceError(failed, "export_missing")).toBe(true);
        expect((failed as ThreadspaceError).plugin).toBe("hello");
        const rejected = await remote.reject().then(() => undefined, (error: unknown) => error);
        expect(isThreadspaceError(rejected, "manifest_invalid")).toBe(true);
        expect((rejected as ThreadspaceError).issues).toEqual(issues);
        const plain = await remote.plain().then(() => undefined, (error: unknown) => error);
        expect(plain).toBeInstanceOf(Error);
        expect(plain).not.toBeInstanceOf(ThreadspaceError);
        expect((plain as Error).message).toBe("plain error");
      } finally {
        remote[Comlink.releaseProxy]();
        port1.close();
        port2.close();
      }
    });
  });
});
