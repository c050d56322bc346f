/**
 * A plugin's Traces (record and replay, docs/replay.md): recorded calls (the Call tab's "Record"
 * box, the engine's traces of failed calls, `.tstrace` files loaded here), kept in IndexedDB; a trace shown step by step (input,
 * each host request and its reply, events, logs, result, fuel); replayed against the plugin or
 * another installed build with the differences highlighted; saved to a `.tstrace` file.
 */
import type { App } from "../../app.ts";
import { h, replace } from "../../dom.ts";
import { errorBox } from "../../error-view.ts";
import { exportNames } from "../../export-schemas.ts";
import type { ReplayResult } from "@threadspace/core";
import { isTraceView, payloadText, traceStore, type StoredTrace, type TraceView } from "../../store/trace-record.ts";
import { jsonTree } from "../../widgets/json-tree.ts";
import { section } from "../../widgets/section.ts";
import type { Page } from "../page.ts";
import { ThreadspaceError } from "@threadspace/errors";

const time = (at: number): string => new Date(at).toLocaleTimeString();
const cut = (text: string, max = 120): string => (text.length <= max ? text : `${text.slice(0, max)}…`);
const outcomeOf = (trace: TraceView): string => ("error" in trace.result ? trace.result.error.code : "ok");

/** A JSON text value, shown folded when it is long. */
function shown(text: string): Node {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && text.length > 80) return jsonTree(value, { openDepth: 1 });
  } catch {
    // not JSON: shown as text
  }
  return h("code", { class: "payload" }, cut(text, 400));
}

/** The trace's steps, in order. */
function steps(trace: TraceView): HTMLElement {
  const items: HTMLElement[] = [h("li", { class: "step input" }, h("strong", {}, `${trace.export}(`), shown(payloadText(trace.input)), h("strong", {}, ")"))];
  const SHOWN_STEPS = 500;
  trace.host.slice(0, SHOWN_STEPS).forEach((call, index) =>
    items.push(h("li", { class: "step host", "data-step": String(index) }, h("span", { class: "badge" }, `#${index}`), " ", h("code", {}, call.fn), " ", shown(payloadText(call.request)), " → ", shown(payloadText(call.reply)))),
  );
  if (trace.host.length > SHOWN_STEPS) items.push(h("li", { class: "step" }, `… ${trace.host.length - SHOWN_STEPS} more host calls (Save .tstrace to read them all)`));
  for (const event of (trace.events ?? []).slice(0, SHOWN_STEPS)) items.push(h("li", { class: "step event" }, h("span", { class: "badge" }, "event"), " ", h("code", {}, event.topic), " ", h("code", { class: "payload" }, cut(JSON.stringify(event.payload) ?? ""))));
  for (const line of (trace.logs ?? []).slice(0, SHOWN_STEPS)) items.push(h("li", { class: "step log" }, h("span", { class: "badge" }, "log"), " ", typeof line === "string" ? line : `${line.level ?? ""} ${line.message ?? JSON.stringify(line)}`));
  const result = "error" in trace.result ? h("span", { class: "failed" }, `error ${trace.result.error.code}: ${trace.result.error.message}`) : shown(payloadText(trace.result.output));
  items.push(h("li", { class: "step result" }, h("strong", {}, "result "), result, trace.fuel === null ? "" : ` — fuel ${trace.fuel.toLocaleString("en")}`));
  return h("ol", { class: "steps" }, ...items);
}

/** The replay's verdict: same, or each difference (expected against got) highlighted. */
function verdict(outcome: ReplayResult, target: string): HTMLElement {
  return h(
    "div",
    { class: `replay ${outcome.same ? "same" : "differs"}`, "data-same": String(outcome.same) },
    h("p", { class: outcome.same ? "ok" : "error-text" }, outcome.same ? `Replayed on ${target}: the same host requests, output and fuel.` : `Replayed on ${target}: ${outcome.differences.length} difference(s).`),
    outcome.differences.length > 0 &&
      h(
        "ul",
        { class: "differences" },
        ...outcome.differences.map((difference) =>
          h("li", { class: `diff ${difference.kind}` }, h("strong", {}, difference.kind), "index" in difference ? ` #${difference.index}` : "", ": expected ", h("code", { class: "expected" }, cut(JSON.stringify(difference.expected) ?? "null", 300)), ", got ", h("code", { class: "got" }, cut(JSON.stringify(difference.got) ?? "null", 300))),
        ),
      ),
    outcome.notes.length > 0 && h("ul", { class: "notes" }, ...outcome.notes.map((note) => h("li", {}, note))),
  );
}

/** Offers a trace as a `.tstrace` download. */
function save(stored: StoredTrace): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(stored.trace, null, 2)], { type: "application/json" }));
  const link = h("a", { href: url, download: `${stored.plugin}-${stored.trace.export}-${stored.id ?? stored.at}.tstrace` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function tracesTab(app: App, name: string): Page {
  const engine = app.engine;
  const list = h("ol", { id: "trace-list", class: "history", reversed: true });
  const detail = h("div", { id: "trace-detail" });
  const file = h("input", { type: "file", id: "trace-file", accept: ".tstrace,.json,application/json" });
  let selected: number | undefined;

  const open = (stored: StoredTrace): void => {
    selected = stored.id;
    const targets = app.snapshot.plugins.filter((info) => exportNames(info).includes(stored.trace.export)).map((info) => info.name);
    const target = h("select", { id: "replay-target" }, ...targets.map((plugin) => h("option", { value: plugin, selected: plugin === name }, plugin)));
    const result = h("div", { id: "replay-result", "aria-live": "polite" });
    const replay = (): void => {
      replace(result, h("p", { class: "busy" }, `Replaying on ${target.value}…`));
      engine.replay(stored.trace, { plugin: target.value }).then(
        (outcome) => {
          replace(result, verdict(outcome, target.value));
          void app.refresh();
        },
        (error: unknown) => replace(result, errorBox(error, `replaying on ${target.value}`)),
      );
    };
    const remove = (): void => {
      if (stored.id === undefined) return;
      void traceStore.remove(stored.id).then(() => {
        selected = undefined;
        replace(detail);
        void draw();
      });
    };
    replace(
      detail,
      h("h4", {}, `${stored.trace.plugin.name}@${stored.trace.plugin.version} ${stored.trace.export} — ${outcomeOf(stored.trace)}`, stored.trace.truncated === true ? " (truncated)" : ""),
      h(
        "p",
        { class: "actions" },
        h("label", { for: "replay-target" }, "Replay on"),
        " ",
        target,
        " ",
        h("button", { type: "button", id: "replay-button", onclick: replay, disabled: targets.length === 0 }, "Replay"),
        " ",
        h("button", { type: "button", onclick: () => save(stored) }, "Save .tstrace"),
        " ",
        h("button", { type: "button", class: "danger", onclick: remove }, "Delete"),
      ),
      result,
      steps(stored.trace),
    );
  };

  const draw = async (): Promise<void> => {
    // The engine's traces of failed calls join the kept ones (once each).
    const kept = await traceStore.list(name).catch(() => [] as StoredTrace[]);
    const fromEngine = await engine.traces(name).catch(() => [] as unknown[]);
    const known = new Set(kept.map((stored) => JSON.stringify(stored.trace.timing ?? stored.at)));
    for (const trace of fromEngine) {
      if (!isTraceView(trace) || known.has(JSON.stringify(trace.timing))) continue;
      await traceStore.add({ plugin: name, at: Date.now(), from: "engine", trace }).catch(() => undefined);
    }
    const all = fromEngine.length === 0 ? kept : await traceStore.list(name).catch(() => kept);
    replace(
      list,
      ...(all.length === 0
        ? [h("li", { class: "empty" }, 'No trace yet: tick "Record" in the Call tab and call, or load a .tstrace file.')]
        : all
            .slice()
            .reverse()
            .map((stored) =>
              h(
                "li",
                { "data-trace": String(stored.id ?? ""), class: stored.id === selected ? "selected" : "" },
                h("time", {}, time(stored.at)),
                " ",
                h("code", {}, stored.trace.export),
                "(",
                h("code", { class: "payload" }, cut(payloadText(stored.trace.input), 40)),
                ") ",
                h("span", { class: `badge ${"error" in stored.trace.result ? "failed" : "ok"}` }, outcomeOf(stored.trace)),
                ` ${stored.trace.host.length} host calls, ${stored.from} `,
                h("button", { type: "button", onclick: () => open(stored), "aria-label": `Show trace ${stored.id ?? ""}` }, "Show"),
              ),
            )),
    );
  };

  file.addEventListener("change", () => {
    const picked = file.files?.[0];
    if (picked === undefined) return;
    void app.run(`Loading ${picked.name}`, async () => {
      let value: unknown;
      try {
        value = JSON.parse(await picked.text());
      } catch (cause) {
        throw new ThreadspaceError("bad_input", `[playground] ${picked.name} is not JSON: pick a .tstrace file (threadspace call --record, or Save .tstrace here).`, { cause });
      }
      if (!isTraceView(value)) throw new ThreadspaceError("bad_input", `[playground] ${picked.name} is not a trace: it needs plugin, export, host and result (docs/replay.md).`);
      const id = await traceStore.add({ plugin: name, at: Date.now(), from: "file", trace: value });
      file.value = "";
      await draw();
      const stored = (await traceStore.list(name)).find((candidate) => candidate.id === id);
      if (stored !== undefined) open(stored);
      return `${picked.name} loaded: replay it on ${name} or another build.`;
    });
  });
  void draw();
  const element = h(
    "div",
    { class: "traces" },
    section("traces-list", "Recorded calls", h("p", {}, h("label", { for: "trace-file" }, "Load a .tstrace"), " ", file), list),
    section("traces-detail", "Trace", detail),
  );
  return { element, update: () => void draw() };
}
