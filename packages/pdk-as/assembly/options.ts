// Named options for the wrappers whose requests have several optional fields (docs/host-abi.md).
//
// Each class is plain fields with defaults, so it can be written two ways:
// - an object literal, like MemoryQuery: `Memory.putWith("text", { tags: ["a"], threadId: "t1" })`
//   (fields left out keep their defaults);
// - chained setters, handy when options are built step by step:
//   `Memory.putWith("text", new PutOptions().tag("a").inThread("t1"))`.
// An unset field (null, or 0 for numbers) is left out of the request, so the host's default holds.
import { JsonObject } from "./json";

/** Options of Memory.putWith: `{ tags?, threadId?, id? }`. */
export class PutOptions {
  /** The memory's tags (at most 64, each 1-64 characters). */
  tags: string[] | null = null;
  /** The thread it belongs to (a label for queries; the thread need not exist). */
  threadId: string | null = null;
  /** Without it a new memory is made; with an existing id that memory is replaced (createdAt kept). */
  id: string | null = null;

  /** Adds one tag (to a copy: an array passed in with withTags or a literal is left as it is). */
  tag(name: string): PutOptions {
    const tags = this.tags;
    this.tags = tags === null ? [name] : tags.concat([name]);
    return this;
  }
  /** Sets every tag (replacing those set before). */
  withTags(tags: string[]): PutOptions {
    this.tags = tags;
    return this;
  }
  /** Sets the thread it belongs to. */
  inThread(threadId: string): PutOptions {
    this.threadId = threadId;
    return this;
  }
  /** Sets the id: replaces that memory if it exists. */
  withId(id: string): PutOptions {
    this.id = id;
    return this;
  }
}

/** Options of Thread.createWith: `{ title?, metadata?, id? }`. */
export class ThreadOptions {
  /** At most 256 characters; the host's default is "". */
  title: string | null = null;
  /** A JSON object (at most 16 KiB); the host's default is {}. */
  metadata: JsonObject | null = null;
  /** Without it the host picks one; an existing id replies with that thread, unchanged. */
  id: string | null = null;

  withTitle(title: string): ThreadOptions {
    this.title = title;
    return this;
  }
  withMetadata(metadata: JsonObject): ThreadOptions {
    this.metadata = metadata;
    return this;
  }
  withId(id: string): ThreadOptions {
    this.id = id;
    return this;
  }
}

/** Options of Thread.readWith: `{ fromSeq?, limit? }`. */
export class ReadOptions {
  /** The first entry's seq; 0 reads from the start. */
  fromSeq: i64 = 0;
  /** At most this many entries (1-1000); 0 means the host's default (100). */
  limit: i32 = 0;

  /** Starts at entry `seq`. */
  from(seq: i64): ReadOptions {
    this.fromSeq = seq;
    return this;
  }
  withLimit(limit: i32): ReadOptions {
    this.limit = limit;
    return this;
  }
}

/** What Memory.query looks for; unset fields do not filter. `Memory.query({ tag: "x" })` works. */
export class MemoryQuery {
  /** Only memories with this tag. */
  tag: string | null = null;
  /** Only memories whose content contains this text (case-insensitive). */
  text: string | null = null;
  /** Only memories of this thread. */
  threadId: string | null = null;
  /** At most this many (1-1000); 0 means the host's default (100). */
  limit: i32 = 0;

  withTag(tag: string): MemoryQuery {
    this.tag = tag;
    return this;
  }
  withText(text: string): MemoryQuery {
    this.text = text;
    return this;
  }
  inThread(threadId: string): MemoryQuery {
    this.threadId = threadId;
    return this;
  }
  withLimit(limit: i32): MemoryQuery {
    this.limit = limit;
    return this;
  }
}
