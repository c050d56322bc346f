import { EventBus, PermissionTable } from "@threadspace/host";
import { parseManifest } from "@threadspace/manifest";
import { describe, expect, test } from "vitest";
import type { ExportCaller } from "../calls/plugin-runner.ts";
import { EventDelivery } from "./event-delivery.ts";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** A runner stand-in for the plugin side: an `on_event` export that records what it got. */
function subscriberRunner(got: string[]): ExportCaller {
  return {
    exports: new Set(["on_event"]),
    callBytes: async (_exportName: string, input: string | Uint8Array = "") => {
      got.push(typeof input === "string" ? input : new TextDecoder().decode(input));
      return new Uint8Array();
    },
  };
}

const manifest = (name: string) =>
  parseManifest({ name, version: "1.0.0", description: "d", author: "a", dependencies: [], capabilities: [], config: {}, permissions: ["event:subscribe"], subscriptions: ["t.*"], interface: "extism" });

describe("EventDelivery.forget", () => {
  test("drops the plugin's counters and stops delivering to it; another plugin's stay", async () => {
    const bus = new EventBus();
    const permissions = new PermissionTable();
    const delivery = new EventDelivery(bus, permissions, { logger: quiet, check: () => {} });
    const got: Record<string, string[]> = { a: [], b: [] };
    for (const name of ["a", "b"]) {
      permissions.assign(name, undefined, ["event:subscribe"]);
      delivery.attach(manifest(name), subscriberRunner(got[name]!));
    }
    delivery.api.emit("t.one", 1);
    await expect.poll(() => delivery.api.stats("a").delivered + delivery.api.stats("b").delivered).toBe(2);

    delivery.forget("a");
    expect(delivery.api.stats("a")).toEqual({ queued: 0, delivered: 0, failed: 0, dropped: 0, denied: 0 });
    delivery.api.emit("t.two", 2);
    await expect.poll(() => delivery.api.stats("b").delivered).toBe(2);
    expect(got.a).toHaveLength(1);
    expect(delivery.api.stats("a").delivered).toBe(0);
  });
});
