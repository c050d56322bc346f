import * as v from "valibot";
import { copyEmbedderInput } from "../state/embedder-input.ts";
import { Schemas } from "../abi/request.ts";
import { HostFailure, hostFunction, type HostApi } from "../host-types.ts";
import type { MemoryInput, MemoryQuery, MemoryRecord, MemoryStore } from "../state/memory-store.ts";
import { embedderCall, embedderUpdate, type WriteOptions } from "./embedder-call.ts";
import { objectRequest } from "./object-request.ts";

const parsePut = objectRequest({
  id: v.optional(Schemas.id),
  content: v.string(),
  tags: v.optional(Schemas.tags),
  threadId: v.optional(Schemas.id),
});
const parseId = objectRequest({ id: Schemas.id });
const parseQuery = objectRequest({
  tag: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
  text: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  threadId: v.optional(Schemas.id),
  limit: v.optional(Schemas.limit),
});

/**
 * `ts_memory_put/get/query/delete`: the memories every plugin and the embedder share
 * (permissions `memory:write` for put and delete, `memory:read` for get and query).
 * - put `{"id"?, "content", "tags"?, "threadId"?}` → the record
 * - get `{"id"}` → the record, or error `not_found`
 * - query `{"tag"?, "text"?, "threadId"?, "limit"?}` → records, most recently written first
 * - delete `{"id"}` → true if it existed
 */
export function memoryApi(store: MemoryStore): HostApi {
  return {
    name: "memory",
    functions: {
      put: hostFunction("memory:write", parsePut, (r, call) => store.put(call.tx, r)),
      get: hostFunction("memory:read", parseId, (r, call) => {
        const record = store.get(call.tx, r.id);
        if (record === undefined) throw new HostFailure("not_found", `no memory has the id ${JSON.stringify(r.id)}`);
        return record;
      }),
      query: hostFunction("memory:read", parseQuery, (r, call) => store.query(call.tx, r)),
      delete: hostFunction("memory:write", parseId, (r, call) => store.delete(call.tx, r.id)),
    },
  };
}

/** The embedder's view of the memories: the same records and events as `ts_memory_*`; writes commit at once. */
export interface MemoryView {
  /**
   * Creates (no id, or a new one) or replaces a memory; publishes `memory.created` or `memory.updated`.
   * With `{ durable: true }` it resolves once the memory is stored (and only then is it visible
   * and the event published); it rejects with a `ThreadspaceError` and keeps nothing when it cannot be stored.
   *
   * @example
   * const note = await engine.memories.put({ content: "Call Ada" }, { durable: true });
   */
  put(input: MemoryInput, options: WriteOptions): Promise<MemoryRecord>;
  put(input: MemoryInput): MemoryRecord;
  /** The memory, or undefined. */
  get(id: string): MemoryRecord | undefined;
  /** Memories matching every given filter, most recently written first (limit 1–1000, default 100). */
  query(query?: MemoryQuery): MemoryRecord[];
  /** Deletes a memory; true if it existed. Publishes `memory.deleted`. `{ durable: true }`: resolves once the delete is stored. */
  delete(id: string, options: WriteOptions): Promise<boolean>;
  delete(id: string): boolean;
}

/**
 * The {@link MemoryView} over `store`. Arguments are checked like plugin requests; a bad one
 * throws `ThreadspaceError("bad_input")`.
 *
 * @example
 * const memories = memoryView(host.state.memories);
 * const note = memories.put({ content: "Call Ada on Monday", tags: ["todo"] });
 * memories.query({ tag: "todo" }); // [note]
 */
export function memoryView(store: MemoryStore): MemoryView {
  const put = (input: MemoryInput, options?: WriteOptions) => embedderUpdate("memories.put", store.link, options, (tx) => store.put(tx, parsePut(copyEmbedderInput(input, "memories.put"))));
  const remove = (id: string, options?: WriteOptions) => embedderUpdate("memories.delete", store.link, options, (tx) => store.delete(tx, parseId({ id }).id));
  return {
    put: put as MemoryView["put"],
    get: (id) => embedderCall("memories.get", (tx) => store.get(tx, parseId({ id }).id)),
    query: (query = {}) => embedderCall("memories.query", (tx) => store.query(tx, parseQuery(query))),
    delete: remove as MemoryView["delete"],
  };
}
