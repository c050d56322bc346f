/**
 * What plugins (and the sample data) wrote, as the embedder sees it: memories
 * (`engine.memories.query`), threads with their entries (`engine.threads.list` / `read`) and each
 * installed plugin's key-value state (`engine.kv(name)`). Redrawn on every refresh (after actions
 * and calls) and when a memory or thread event arrives; memories and keys can be deleted.
 */
import { ThreadspaceError, type MemoryRecord, type ThreadRecord } from "@threadspace/core";
import type { App } from "../app.ts";
import { h, replace } from "../dom.ts";

/** At most this many memories, threads and entries per thread are shown (the engine's default page). */
export const DATA_SHOWN = 100;

/** Threads whose entries are open, so that they stay open when the panel is redrawn. */
const openThreads = new Set<string>();

function memoryItem(app: App, memory: MemoryRecord): HTMLElement {
  const remove = (): void => {
    void app.run(`Deleting memory ${memory.id}`, async () => {
      const existed = await app.engine.memories.delete(memory.id, { durable: true });
      return existed ? `Memory ${memory.id} deleted.` : `Memory ${memory.id} was already gone.`;
    });
  };
  return h(
    "li",
    { "data-memory": memory.id },
    h("code", {}, memory.id),
    " ",
    memory.content,
    memory.tags.length > 0 && h("span", { class: "version" }, ` [${memory.tags.join(", ")}]`),
    memory.threadId !== undefined && h("span", { class: "version" }, ` in thread ${memory.threadId}`),
    " ",
    h("button", { type: "button", class: "danger", onclick: remove, "aria-label": `Delete memory ${memory.id}` }, "Delete"),
  );
}

function threadItem(app: App, thread: ThreadRecord): HTMLElement {
  const remember = (event: Event): void => {
    if ((event.currentTarget as HTMLDetailsElement).open) openThreads.add(thread.id);
    else openThreads.delete(thread.id);
  };
  const entries = app.engine.threads.read({ threadId: thread.id, limit: DATA_SHOWN });
  return h(
    "details",
    { "data-thread": thread.id, open: openThreads.has(thread.id), ontoggle: remember },
    h("summary", {}, thread.title === "" ? h("code", {}, thread.id) : `${thread.title} `, thread.title !== "" && h("code", {}, thread.id), ` — ${thread.length} entries`),
    entries.length === 0
      ? h("p", {}, "No entry yet.")
      : h("ol", { start: 0, class: "feed" }, ...entries.map((entry) => h("li", {}, h("span", { class: "level" }, entry.author), `: ${entry.content}`))),
    thread.length > entries.length && h("p", {}, `The first ${entries.length} of ${thread.length} entries.`),
  );
}

function kvItem(app: App, plugin: string, key: string): HTMLElement {
  const remove = (): void => {
    void app.run(`Deleting key ${key} of ${plugin}`, async () => {
      const existed = await app.engine.kv(plugin).delete(key, { durable: true });
      return existed ? `${plugin}: key ${key} deleted.` : `${plugin}: key ${key} was already gone.`;
    });
  };
  return h(
    "li",
    { "data-kv": `${plugin}/${key}` },
    h("code", {}, key),
    " = ",
    h("code", { class: "payload" }, JSON.stringify(app.engine.kv(plugin).get(key))),
    " ",
    h("button", { type: "button", class: "danger", onclick: remove, "aria-label": `Delete key ${key} of ${plugin}` }, "Delete"),
  );
}

function kvSection(app: App): HTMLElement[] {
  const sections = app.engine.list().flatMap((info) => {
    const keys = app.engine.kv(info.name).keys().slice(0, DATA_SHOWN);
    return keys.length === 0 ? [] : [h("h4", {}, info.name), h("ul", { "data-kv-plugin": info.name }, ...keys.map((key) => kvItem(app, info.name, key)))];
  });
  return sections.length > 0 ? sections : [h("p", {}, "No installed plugin has stored a key yet.")];
}

/** A JSON value typed in the page, or `bad_input` saying what is wrong. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ThreadspaceError("bad_input", `[playground] the value is not JSON (${cause instanceof Error ? cause.message : String(cause)}); write e.g. 1, "text" or {"a": 1}.`, { cause });
  }
}

/** The form that sets a key of a plugin's kv (stored before it shows). Its plugin list follows installs. */
export function kvForm(app: App, form: HTMLFormElement, plugin: HTMLSelectElement, key: HTMLInputElement, value: HTMLInputElement): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = plugin.value;
    void app.run(`Setting key ${key.value} of ${name}`, async () => {
      await app.engine.kv(name).set(key.value, parseValue(value.value), { durable: true });
      return `${name}: key ${key.value} set.`;
    });
  });
  app.view(() => {
    const chosen = plugin.value;
    replace(plugin, ...app.engine.list().map((info) => h("option", { value: info.name, selected: info.name === chosen }, info.name)));
  });
}

/** Renders memories, threads and key-value state into the three targets. */
export function dataPanel(app: App, memories: HTMLElement, threads: HTMLElement, kv: HTMLElement): void {
  let scheduled = false;
  const render = (): void => {
    scheduled = false;
    const memoryList = app.engine.memories.query({ limit: DATA_SHOWN });
    replace(memories, ...(memoryList.length === 0 ? [h("li", {}, "No memory yet.")] : memoryList.map((memory) => memoryItem(app, memory))));
    const threadList = app.engine.threads.list({ limit: DATA_SHOWN });
    replace(threads, ...(threadList.length === 0 ? [h("p", {}, "No thread yet.")] : threadList.map((thread) => threadItem(app, thread))));
    replace(kv, ...kvSection(app));
  };
  // Writes come in bursts (a call appending many entries): redraw once per frame.
  const later = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };
  for (const pattern of ["memory.*", "thread.*"]) app.engine.events.on(pattern, later);
  app.view(render);
}
