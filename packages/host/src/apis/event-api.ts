import * as v from "valibot";
import { hostFunction, type HostApi } from "../host-types.ts";
import { copyJson } from "../state/caps.ts";
import { topicProblem, type EventBus } from "../state/event-bus.ts";
import { objectRequest } from "./object-request.ts";

/** Largest JSON text of a plugin's event payload (64 KiB). */
export const MAX_EVENT_PAYLOAD_CHARS = 64 * 1024;

/** Topic namespaces only the engine publishes in: a plugin cannot forge `memory.created`. */
export const RESERVED_NAMESPACES: readonly string[] = ["plugin", "memory", "thread", "config"];

const namespaceOf = (topic: string): string => topic.split(".", 1)[0] ?? "";

const topic = v.pipe(
  v.string(),
  v.check((value) => topicProblem(value) === undefined, (issue) => topicProblem(issue.input as string) ?? "invalid topic"),
  v.check(
    (value) => !RESERVED_NAMESPACES.includes(namespaceOf(value)),
    (issue) => `topics under "${namespaceOf(issue.input as string)}." are published by the engine only; pick your own namespace, e.g. "app.saved"`,
  ),
);
const parseEmit = objectRequest({ topic, payload: v.optional(v.unknown()) });

/**
 * `ts_event_emit` (permission `event:emit`): `{"topic", "payload"?}` → `true`. The event is
 * published when the call commits (never if it fails), with the plugin as its source.
 */
export function eventApi(bus: EventBus): HostApi {
  return {
    name: "event",
    functions: {
      emit: hostFunction("event:emit", parseEmit, (r, call) => {
        const payload = copyJson("the event's payload", r.payload ?? null, MAX_EVENT_PAYLOAD_CHARS);
        bus.emitOnCommit(call.tx, r.topic, payload);
        return true;
      }),
    },
  };
}
