// Lifecycle helpers for the exports the engine calls (docs/host-abi.md, "Exports the engine calls").
//
// Every export returns an i32: 0 for success; for failure call Plugin.fail(message), which sets
// the Extism error (the call then fails with that message; in init_plugin the install fails)
// and returns 1 for you to return.
import { inputJson, output, setError } from "./io";
import { JsonObject, JsonValue } from "./json";

/** The input of `on_event`: `{"topic", "payload", "source", "at"}`. */
export class IncomingEvent {
  topic: string = "";
  /** Any JSON (a JSON null when the event has no payload). */
  payload: JsonValue = JsonValue.null();
  /** Who emitted it: a plugin's name, or the engine. */
  source: string = "";
  /** Milliseconds since the epoch. */
  at: i64 = 0;
}

export class Plugin {
  /** Export result for success. */
  static readonly OK: i32 = 0;

  /**
   * Fails the current call with `message` (Extism `error_set`) and returns 1: write
   * `return Plugin.fail("...")`. In init_plugin this makes the engine refuse the install.
   */
  static fail(message: string): i32 {
    setError(message);
    return 1;
  }

  /**
   * For `get_metadata`: outputs the metadata JSON and returns 0. Keep `json` a string literal
   * with plugin.json's "name" and "version": the engine compares them, and the repository's
   * build checks that the literal is in the module.
   */
  static metadata(json: string): i32 {
    output(json);
    return 0;
  }

  /**
   * For `health_check`: outputs `{"status", "message", "metrics"}` and returns 0. `status` is
   * "healthy", "degraded" or "unhealthy".
   */
  static health(status: string, message: string, metrics: JsonObject | null = null): i32 {
    const report = new JsonObject().set("status", status).set("message", message);
    report.set("metrics", metrics !== null ? metrics : new JsonObject());
    output(report.toString());
    return 0;
  }
  static healthy(message: string = "ok", metrics: JsonObject | null = null): i32 {
    return Plugin.health("healthy", message, metrics);
  }
  static degraded(message: string, metrics: JsonObject | null = null): i32 {
    return Plugin.health("degraded", message, metrics);
  }
  static unhealthy(message: string, metrics: JsonObject | null = null): i32 {
    return Plugin.health("unhealthy", message, metrics);
  }

  /** In `on_event`: the event being delivered, or null when the input is not an event. */
  static event(): IncomingEvent | null {
    const v = inputJson();
    if (v === null || !v.isObject() || !v.get("topic").isString()) return null;
    const e = new IncomingEvent();
    e.topic = v.get("topic").asString();
    e.payload = v.get("payload");
    e.source = v.get("source").asString();
    e.at = v.get("at").asInt();
    return e;
  }

  /** In `on_config_change`: the new merged config (a JSON null when the input is not JSON). */
  static changedConfig(): JsonValue {
    const v = inputJson();
    return v !== null ? v : JsonValue.null();
  }

  /** In `on_tick`: the tick's time (`{"at"}`, milliseconds since the epoch), or 0. */
  static tickAt(): i64 {
    const v = inputJson();
    return v !== null ? v.get("at").asInt() : 0;
  }
}

