/**
 * Data: what plugins and the embedder stored, and forms to add to it as an app would:
 * memories (content, tags, thread), threads and their entries, each plugin's key-value state.
 * Changes go through the engine at once, so plugins see them on their next host call; the page
 * redraws on `memory.*` / `thread.*` events (a plugin's writes too).
 */
import { type MemoryRecord, type ThreadRecord } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import type { App } from "../app.ts";
import { h, replace } from "../dom.ts";
import { jsonTree } from "../widgets/json-tree.ts";
import { section } from "../widgets/section.ts";
import type { Page } from "./page.ts";

/** At most this many memories, threads and entries per thread are shown (the engine's default page). */
export const DATA_SHOWN = 100;
const openThreads = new Set<string>();

/** A JSON value typed in the page, or `bad_input` saying what is wrong. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ThreadspaceError("bad_input", `[playground] the value is not JSON (${cause instanceof Error ? cause.message : String(cause)}); write e.g. 1, "text" or {"a": 1}.`, { cause });
  }
}

const tagsOf = (text: string): string[] => text.split(",").map((tag) => tag.trim()).filter((tag) => tag !== "");

function memoryItem(app: App, memory: MemoryRecord): HTMLElement {
  const remove = (): void => {
    void app.run(`Deleting memory ${memory.id}`, async () => ((await app.engine.memories.delete(memory.id)) ? `Memory ${memory.id} deleted.` : `Memory ${memory.id} was already gone.`));
  };
  return h(
    "li",
    { "data-memory": memory.id },
    h("code", {}, memory.id),
    " ",
    h("span", { class: "content" }, memory.content.length > 240 ? `${memory.content.slice(0, 240)}…` : memory.content),
    memory.tags.length > 0 && h("span", { class: "version" }, ` [${memory.tags.join(", ")}]`),
    memory.threadId !== undefined && h("span", { class: "version" }, ` in thread ${memory.threadId}`),
    " ",
    h("button", { type: "button", class: "danger", onclick: remove, "aria-label": `Delete memory ${memory.id}` }, "Delete"),
  );
}

async function threadItem(app: App, thread: ThreadRecord): Promise<HTMLElement> {
  const entries = await app.engine.threads.read({ threadId: thread.id, limit: DATA_SHOWN });
  const details = h(
    "details",
    { "data-thread": thread.id, open: openThreads.has(thread.id) },
    h("summary", {}, thread.title === "" ? h("code", {}, thread.id) : `${thread.title} `, thread.title !== "" && h("code", {}, thread.id), ` — ${thread.length} entries`),
    entries.length === 0 ? h("p", {}, "No entry yet.") : h("ol", { start: 0, class: "feed" }, ...entries.map((entry) => h("li", {}, h("span", { class: "level" }, entry.author), `: ${entry.content}`))),
    thread.length > entries.length && h("p", {}, `The first ${entries.length} of ${thread.length} entries.`),
  );
  details.addEventListener("toggle", () => (details.open ? openThreads.add(thread.id) : openThreads.delete(thread.id)));
  return details;
}

function kvItem(app: App, plugin: string, key: string, value: unknown, edit: (plugin: string, key: string, value: unknown) => void): HTMLElement {
  const remove = (): void => {
    void app.run(`Deleting key ${key} of ${plugin}`, async () => ((await app.engine.kv(plugin).delete(key)) ? `${plugin}: key ${key} deleted.` : `${plugin}: key ${key} was already gone.`));
  };
  const text = JSON.stringify(value) ?? "undefined";
  return h(
    "li",
    { "data-kv": `${plugin}/${key}` },
    h("code", {}, key),
    " = ",
    text.length > 120 ? jsonTree(value, { openDepth: 0 }) : h("code", { class: "payload" }, text),
    " ",
    h("button", { type: "button", onclick: () => edit(plugin, key, value), "aria-label": `Edit key ${key} of ${plugin}` }, "Edit"),
    " ",
    h("button", { type: "button", class: "danger", onclick: remove, "aria-label": `Delete key ${key} of ${plugin}` }, "Delete"),
  );
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  return h("p", {}, h("label", { for: id }, label), " ", control);
}

export function dataPage(app: App): Page {
  const memories = h("ul", { id: "data-memories", class: "feed" });
  const threads = h("div", { id: "data-threads" });
  const kv = h("div", { id: "data-kv" });
  const threadSelects: HTMLSelectElement[] = [];

  // Forms: a memory, a thread, an entry, a key.
  const memContent = h("textarea", { id: "memory-content", rows: 2, required: true });
  const memTags = h("input", { id: "memory-tags", placeholder: "work, idea" });
  const memThread = h("select", { id: "memory-thread" });
  const threadId = h("input", { id: "thread-id", placeholder: "left empty: generated" });
  const threadTitle = h("input", { id: "thread-title" });
  const entryThread = h("select", { id: "entry-thread", required: true });
  const entryAuthor = h("input", { id: "entry-author", value: "you" });
  const entryContent = h("input", { id: "entry-content", required: true });
  const kvPlugin = h("select", { id: "kv-plugin" });
  const kvKey = h("input", { id: "kv-key", required: true });
  const kvValue = h("input", { id: "kv-value", value: "1" });
  threadSelects.push(memThread, entryThread);
  /** Puts a key's plugin, name and value in the form below, to change and Set. */
  const edit = (plugin: string, key: string, value: unknown): void => {
    kvPlugin.value = plugin;
    kvKey.value = key;
    kvValue.value = JSON.stringify(value) ?? "null";
    kvValue.focus();
  };

  const onSubmit = (handler: () => void) => (event: Event): void => {
    event.preventDefault();
    handler();
  };
  const memoryForm = h(
    "form",
    { id: "memory-form", "aria-label": "Add a memory", onsubmit: onSubmit(() => void app.run("Adding a memory", async () => {
      const record = await app.engine.memories.put({ content: memContent.value, tags: tagsOf(memTags.value), ...(memThread.value === "" ? {} : { threadId: memThread.value }) });
      memContent.value = "";
      return `Memory ${record.id} stored; plugins with memory:read see it now.`;
    })) },
    field("memory-content", "Content", memContent),
    field("memory-tags", "Tags (comma-separated)", memTags),
    field("memory-thread", "Thread", memThread),
    h("p", {}, h("button", { type: "submit", id: "memory-add" }, "Add memory")),
  );
  const threadForm = h(
    "form",
    { id: "thread-form", "aria-label": "Create a thread", onsubmit: onSubmit(() => void app.run("Creating a thread", async () => {
      const created = await app.engine.threads.create({ ...(threadId.value.trim() === "" ? {} : { id: threadId.value.trim() }), ...(threadTitle.value === "" ? {} : { title: threadTitle.value }) });
      threadId.value = threadTitle.value = "";
      return `Thread ${created.id} created.`;
    })) },
    field("thread-id", "Id", threadId),
    field("thread-title", "Title", threadTitle),
    h("p", {}, h("button", { type: "submit", id: "thread-create" }, "Create thread")),
  );
  const entryForm = h(
    "form",
    { id: "entry-form", "aria-label": "Append an entry to a thread", onsubmit: onSubmit(() => void app.run(`Appending to thread ${entryThread.value}`, async () => {
      const seq = await app.engine.threads.append({ threadId: entryThread.value, content: entryContent.value, author: entryAuthor.value || "you" });
      entryContent.value = "";
      return `Entry ${seq} appended to thread ${entryThread.value}.`;
    })) },
    field("entry-thread", "Thread", entryThread),
    field("entry-author", "Author", entryAuthor),
    field("entry-content", "Content", entryContent),
    h("p", {}, h("button", { type: "submit", id: "entry-append" }, "Append entry")),
  );
  const kvForm = h(
    "form",
    { id: "kv-form", "aria-label": "Set a key of a plugin", onsubmit: onSubmit(() => void app.run(`Setting key ${kvKey.value} of ${kvPlugin.value}`, async () => {
      await app.engine.kv(kvPlugin.value).set(kvKey.value, parseValue(kvValue.value));
      return `${kvPlugin.value}: key ${kvKey.value} set.`;
    })) },
    field("kv-plugin", "Plugin", kvPlugin),
    field("kv-key", "Key", kvKey),
    field("kv-value", "Value (JSON)", kvValue),
    h("p", {}, h("button", { type: "submit", id: "kv-set" }, "Set")),
  );

  let scheduled = false;
  let drawing = 0;
  const render = async (): Promise<void> => {
    scheduled = false;
    const turn = ++drawing;
    const [memoryList, threadList] = await Promise.all([app.engine.memories.query({ limit: DATA_SHOWN }), app.engine.threads.list({ limit: DATA_SHOWN })]);
    const threadItems = await Promise.all(threadList.map((thread) => threadItem(app, thread)));
    const kvSections = await Promise.all(
      app.snapshot.plugins.map(async (info) => {
        const store = app.engine.kv(info.name);
        const keys = (await store.keys().catch(() => [] as string[])).slice(0, DATA_SHOWN);
        const values = await Promise.all(keys.map((key) => store.get(key)));
        return keys.length === 0 ? [] : [h("h4", {}, info.name), h("ul", { "data-kv-plugin": info.name }, ...keys.map((key, i) => kvItem(app, info.name, key, values[i], edit)))];
      }),
    );
    if (turn !== drawing) return; // a newer draw started meanwhile
    replace(memories, ...(memoryList.length === 0 ? [h("li", { class: "empty" }, "No memory yet: add one above, or load an example's sample data (Install).")] : memoryList.map((memory) => memoryItem(app, memory))));
    replace(threads, ...(threadItems.length === 0 ? [h("p", { class: "empty" }, "No thread yet: create one above.")] : threadItems));
    const kvItems = kvSections.flat();
    replace(kv, ...(kvItems.length === 0 ? [h("p", { class: "empty" }, "No installed plugin has stored a key yet: set one below, or call a plugin that uses kv.")] : kvItems));
    for (const select of threadSelects) {
      const chosen = select.value;
      const none = select === memThread ? [h("option", { value: "" }, "(none)")] : [];
      replace(select, ...none, ...threadList.map((thread) => h("option", { value: thread.id, selected: thread.id === chosen }, thread.title === "" ? thread.id : `${thread.title} (${thread.id})`)));
    }
    const plugin = kvPlugin.value;
    replace(kvPlugin, ...app.snapshot.plugins.map((info) => h("option", { value: info.name, selected: info.name === plugin }, info.name)));
  };
  const later = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => void render());
  };
  let disposed = false;
  const offs: Array<() => Promise<void>> = [];
  for (const pattern of ["memory.*", "thread.*"]) {
    void app.engine.events.on(pattern, later).then((off) => (disposed ? void off() : offs.push(off)));
  }
  const element = h(
    "section",
    { class: "data-page", "aria-labelledby": "data-title" },
    h("h2", { id: "data-title" }, "Data"),
    h("p", {}, "What plugins and you stored (the latest 100 of each), kept in this browser. What you add here is visible to plugins at once (with the permission to read it)."),
    section("data-memories", "Memories", memoryForm, memories),
    section("data-threads", "Threads", h("div", { class: "two" }, threadForm, entryForm), threads),
    section("data-kv", "Key-value state", kv, kvForm),
  );
  void render();
  return {
    element,
    update: later,
    dispose: () => {
      disposed = true;
      for (const off of offs) void off();
    },
  };
}
