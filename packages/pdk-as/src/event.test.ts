// @threadspace/pdk-as: Events.emit/signal and Plugin.event() in on_event, end to end
// (tests/fixtures/pdk-as-event: subscribes to inbox.*, records deliveries in its kv state).
import { createEngine, type Engine, type TopicEvent } from "@threadspace/core";
import { afterEach, describe, expect, test, vi } from "vitest";
import { pdkFixture, quiet, TRICKY_STRINGS } from "./support.ts";

let engine: Engine;
const callJson = async <T = unknown>(fn: string, input?: string | object) => JSON.parse((await engine.call("pdk-as-event", fn, input)).text()) as T;
afterEach(() => engine?.close());

function collect(pattern: string): TopicEvent[] {
  const seen: TopicEvent[] = [];
  engine.events.on(pattern, (event) => void seen.push(event));
  return seen;
}

describe("pdk-as: Events", () => {
  test("Events.emit publishes the payload after the call commits", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-event"));
    const seen = collect("app.*");
    const payload = { text: "Wörld 🌍", list: [1, null, { deep: TRICKY_STRINGS }] };
    expect(await callJson("emit", { topic: "app.saved", payload })).toEqual({ ok: true });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toMatchObject({ topic: "app.saved", payload, source: "pdk-as-event" });
  });

  test("typed payloads: JsonObject, string, number, raw JSON; Events.signal has none", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-event"));
    const seen = collect("app.*");
    expect(await callJson("emit_typed")).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
    expect(await callJson("signal", "app.ping")).toEqual({ ok: true });
    await vi.waitFor(() => expect(seen).toHaveLength(5));
    expect(seen.map((e) => [e.topic, e.payload])).toEqual([
      ["app.typed", { text: "Wörld 🌍", n: 1 }],
      ["app.typed", 'just a "string"'],
      ["app.typed", 42],
      ["app.typed", [1, 2]],
      ["app.ping", null],
    ]);
  });

  test("Plugin.event() reads what on_event receives", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-event"));
    const before = Date.now();
    engine.events.emit("inbox.message", { from: "ana", text: "héllo 🌍\n\"quoted\"" });
    await vi.waitFor(() => expect(engine.kv("pdk-as-event").get("last_event")).toBeDefined());
    const last = engine.kv("pdk-as-event").get("last_event") as { topic: string; payload: unknown; source: string; at: number; received: number };
    expect(last).toMatchObject({ topic: "inbox.message", payload: { from: "ana", text: "héllo 🌍\n\"quoted\"" }, source: "host", received: 1 });
    expect(last.at).toBeGreaterThanOrEqual(before - 1000);
  });

  test("a bad topic is the host's bad_request; without event:emit, permission_denied and nothing published", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-event"));
    expect(await callJson("emit", { topic: "Not A Topic!", payload: 1 })).toMatchObject({ error: { code: "bad_request" } });
    await engine.close();

    engine = await createEngine({ logger: quiet });
    await engine.install(pdkFixture("pdk-as-event"));
    const seen = collect("app.*");
    expect(await callJson("emit", { topic: "app.saved", payload: 1 })).toMatchObject({ error: { code: "permission_denied" } });
    expect(await callJson("signal", "app.ping")).toMatchObject({ error: { code: "permission_denied" } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([]);
  });
});
