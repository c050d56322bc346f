/**
 * "Start here": walks a newcomer through a first call. They type a memory; the page stores it
 * (`engine.memories.put`, as an app embedding the engine would) and calls memory-analyzer's
 * `analyze_memory` with its id; the plugin reads the memory through the host API it was granted
 * (`memory:read`) and answers; the page shows the answer and where to go next.
 */
import type { App } from "../app.ts";
import { callAndRecord } from "../call-runner.ts";
import { h, replace } from "../dom.ts";
import { routeHash } from "../route.ts";
import { emptyState } from "../widgets/empty-state.ts";
import type { Page } from "./page.ts";
import { showOutcome } from "./plugin/output-view.ts";

const PLUGIN = "memory-analyzer";
const SAMPLE = "Walked to the café with Ana this morning; we talked about the build server again and decided to move the standup to 9:30.";

export function startPage(app: App): Page {
  const memory = h("textarea", { id: "start-memory", rows: 4, spellcheck: "true" }, SAMPLE);
  const tags = h("input", { id: "start-tags", value: "start-here" });
  const button = h("button", { type: "submit", id: "start-go" }, "Save it and ask memory-analyzer");
  const output = h("div", { id: "start-output", "aria-live": "polite" });
  const next = h("div", { class: "next" });
  const body = h("div", {});
  const form = h(
    "form",
    { id: "start-form", "aria-label": "Your first call" },
    h("h3", {}, "1. Type a memory"),
    h("p", {}, "Anything you want to remember. It is stored in this browser (IndexedDB), where plugins that were granted ", h("code", {}, "memory:read"), " can read it."),
    h("p", {}, h("label", { for: "start-memory" }, "Memory"), memory),
    h("p", {}, h("label", { for: "start-tags" }, "Tags (comma-separated)"), " ", tags),
    h("h3", {}, "2. Call the plugin"),
    h("p", {}, "The page stores the memory, then calls ", h("code", {}, `${PLUGIN}.analyze_memory`), " with its id. The plugin is WebAssembly running in the engine's worker, with only the permissions it was granted."),
    h("pre", { class: "code" }, `const { id } = await engine.memories.put({ content, tags });\nconst out = await engine.call("${PLUGIN}", "analyze_memory", { id });\nout.json();`),
    h("p", {}, button),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    button.disabled = true;
    replace(output, h("p", { class: "busy" }, "Storing the memory and calling the plugin…"));
    void (async () => {
      try {
        const record = await app.engine.memories.put({ content: memory.value, tags: tags.value.split(",").map((tag) => tag.trim()).filter((tag) => tag !== "") });
        const input = JSON.stringify({ id: record.id });
        const outcome = await callAndRecord(app, PLUGIN, "analyze_memory", input, "json");
        showOutcome(output, outcome, `calling ${PLUGIN}.analyze_memory`);
        output.prepend(h("h3", {}, "3. Its answer"), h("p", {}, "Stored as memory ", h("code", { class: "memory-id" }, record.id), "."));
        replace(
          next,
          h("h3", {}, "Where next"),
          h(
            "ul",
            {},
            h("li", {}, h("a", { href: routeHash({ page: "plugin", plugin: PLUGIN, tab: "call" }) }, "Call it again"), " with any input; the call is in its history."),
            h("li", {}, h("a", { href: routeHash({ page: "plugin", plugin: PLUGIN, tab: "health" }) }, "See its health"), ": latency, fuel per call, errors over time."),
            h("li", {}, h("a", { href: routeHash({ page: "plugin", plugin: PLUGIN, tab: "permissions" }) }, "Revoke memory:read"), " and call again: the plugin is refused."),
            h("li", {}, h("a", { href: "#/data" }, "See your memory"), " among the stored data, and ", h("a", { href: "#/events" }, "the events"), " the store published."),
          ),
        );
      } catch (error) {
        replace(output, h("p", { class: "error-text" }, String(error)));
      } finally {
        button.disabled = false;
      }
    })();
  });

  const update = (): void => {
    const info = app.info(PLUGIN);
    if (info === undefined) {
      replace(body, emptyState(`${PLUGIN} is not installed.`, "Install it (one click) and come back here:", { label: "Install an example", href: "#/install" }));
      return;
    }
    if (!body.contains(form)) replace(body, form, output, next);
  };
  update();
  const element = h(
    "section",
    { class: "start-page", "aria-labelledby": "start-title" },
    h("h2", { id: "start-title" }, "Start here"),
    h("p", { class: "lead" }, "Threadspace runs untrusted WebAssembly plugins safely. This page runs the real engine in a Web Worker; the plugins on the left are installed in it. Your first call takes three steps."),
    body,
  );
  return { element, update };
}
