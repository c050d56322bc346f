import * as v from "valibot";
import { copyEmbedderInput } from "../state/embedder-input.ts";
import { Schemas } from "../abi/request.ts";
import { hostFunction, type HostApi } from "../host-types.ts";
import type { AppendInput, ReadInput, ThreadEntry, ThreadInput, ThreadRecord, ThreadStore } from "../state/thread-store.ts";
import { embedderCall, embedderUpdate, type WriteOptions } from "./embedder-call.ts";
import { jsonObject, objectRequest } from "./object-request.ts";

const parseCreate = objectRequest({
  id: v.optional(Schemas.id),
  title: v.optional(v.pipe(v.string(), v.maxLength(256))),
  metadata: v.optional(jsonObject),
});
const parseAppend = objectRequest({
  threadId: Schemas.id,
  content: v.string(),
  author: v.optional(Schemas.id),
});
const parseRead = objectRequest({
  threadId: Schemas.id,
  fromSeq: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  limit: v.optional(Schemas.limit),
});
const parseList = objectRequest({ limit: v.optional(Schemas.limit) });
const parseId = objectRequest({ id: Schemas.id });

/**
 * `ts_thread_create/append/read/list`: ordered, append-only threads shared by every plugin and
 * the embedder (permissions `thread:write` for create and append, `thread:read` for read and list).
 * - create `{"id"?, "title"?, "metadata"?}` → the thread `{id, title, metadata, createdAt, length}`
 *   (an existing id: that thread, unchanged)
 * - append `{"threadId", "content", "author"?}` → `{"seq": n}`; error `not_found` for a missing thread
 * - read `{"threadId", "fromSeq"?, "limit"?}` → entries `{seq, author, content, at}`, in order
 * - list `{"limit"?}` → threads, newest first
 */
export function threadApi(store: ThreadStore): HostApi {
  return {
    name: "thread",
    functions: {
      create: hostFunction("thread:write", parseCreate, (r, call) => store.create(call.tx, r)),
      append: hostFunction("thread:write", parseAppend, (r, call) => ({ seq: store.append(call.tx, r) })),
      read: hostFunction("thread:read", parseRead, (r, call) => store.read(call.tx, r)),
      list: hostFunction("thread:read", parseList, (r, call) => store.list(call.tx, r.limit)),
    },
  };
}

/** The embedder's view of the threads: the same threads and events as `ts_thread_*`; writes commit at once. */
export interface ThreadView {
  /** Creates a thread (or returns the existing one with that id, unchanged); publishes `thread.created`. */
  /** `{ durable: true }`: resolves once the thread is stored (rejects, keeping nothing, when it cannot be). */
  create(input: ThreadInput | undefined, options: WriteOptions): Promise<ThreadRecord>;
  create(input?: ThreadInput): ThreadRecord;
  /** Appends an entry (author default `"host"`); returns its seq. Publishes `thread.appended`. */
  /** `{ durable: true }`: resolves once the entry is stored (rejects, keeping nothing, when it cannot be). */
  append(input: AppendInput, options: WriteOptions): Promise<number>;
  append(input: AppendInput): number;
  /** Entries from `fromSeq` (default 0), in order, at most `limit` (1–1000, default 100). */
  read(input: ReadInput): ThreadEntry[];
  /** Threads, newest first. */
  list(options?: { readonly limit?: number }): ThreadRecord[];
  /** One thread, or undefined. */
  get(id: string): ThreadRecord | undefined;
}

/**
 * The {@link ThreadView} over `store`. Arguments are checked like plugin requests; a bad one (or
 * a missing thread) throws `ThreadspaceError("bad_input")`.
 *
 * @example
 * const threads = threadView(host.state.threads);
 * const chat = threads.create({ title: "support #42" });
 * threads.append({ threadId: chat.id, content: "Hello" }); // 0
 * threads.read({ threadId: chat.id }); // [{ seq: 0, author: "host", content: "Hello", at }]
 */
export function threadView(store: ThreadStore): ThreadView {
  return {
    create: ((input: ThreadInput = {}, options?: WriteOptions) => embedderUpdate("threads.create", store.link, options, (tx) => store.create(tx, parseCreate(copyEmbedderInput(input, "threads.create"))))) as ThreadView["create"],
    append: ((input: AppendInput, options?: WriteOptions) => embedderUpdate("threads.append", store.link, options, (tx) => store.append(tx, parseAppend(copyEmbedderInput(input, "threads.append"))))) as ThreadView["append"],
    read: (input) => embedderCall("threads.read", (tx) => store.read(tx, parseRead(input))),
    list: (options = {}) => embedderCall("threads.list", (tx) => store.list(tx, parseList(options).limit)),
    get: (id) => embedderCall("threads.get", (tx) => store.get(tx, parseId({ id }).id)),
  };
}
