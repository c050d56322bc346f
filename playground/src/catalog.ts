/**
 * The example plugins the playground's server offers (`/examples/index.json`), installed by URL
 * like any hosted plugin, with their sample data (`seed.json`) put in the engine as an embedder would.
 */
import { type MemoryInput, type PluginInfo } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import type { RemoteEngine } from "@threadspace/worker";
import type { ExampleEntry } from "../shared/example-entry.ts";
import { isEmpty, partsWithLimits, type LimitsOverride } from "./install-limits.ts";

export type { ExampleEntry };

/** Sample data: memories and threads (the same shape as the CLI's `--seed`). */
interface SeedFile {
  readonly memories?: readonly MemoryInput[];
  readonly threads?: readonly { readonly id?: string; readonly title?: string; readonly entries?: readonly { readonly content: string; readonly author?: string }[] }[];
}

/** The URL of a file the server serves under `/examples/` (`hello/plugin.json`). */
export const url = (path: string): string => new URL(`examples/${path}`, document.baseURI).href;

/** Fetches a file under `/examples/`; a status other than 2xx is `source_invalid` with the server's answer. */
export async function fetchOk(path: string): Promise<Response> {
  const response = await fetch(url(path));
  if (!response.ok) {
    const detail = (await response.text()).slice(0, 300);
    throw new ThreadspaceError("source_invalid", `[playground] GET ${url(path)} answered ${response.status}: ${detail}`);
  }
  return response;
}

const fetchJson = async (path: string): Promise<unknown> => (await fetchOk(path)).json();

/** The examples the server offers. */
export async function loadCatalog(): Promise<ExampleEntry[]> {
  return (await fetchJson("index.json")) as ExampleEntry[];
}

/**
 * Installs an example from its URL, granting every permission it asks for (revoke them in its
 * card). With an override of its limits, plugin.json and the wasm are fetched and installed as parts.
 */
export async function installExample(engine: RemoteEngine, entry: ExampleEntry, override: LimitsOverride = {}): Promise<PluginInfo> {
  if (!entry.built) {
    throw new ThreadspaceError("source_invalid", `[playground] examples/${entry.name} has no wasm yet: run \`npm run build:examples\` (npm start does) and reload.`, { plugin: entry.name });
  }
  if (isEmpty(override)) return engine.install(url(`${entry.name}/plugin.json`), { grant: true });
  const manifest = await (await fetchOk(`${entry.name}/plugin.json`)).text();
  const main = (JSON.parse(manifest) as { main?: string }).main ?? "plugin.wasm";
  const wasm = new Uint8Array(await (await fetchOk(`${entry.name}/${main}`)).arrayBuffer());
  return engine.install(partsWithLimits({ manifest, wasm }, override), { grant: true });
}

/** Puts an example's sample memories and threads in the engine (threads that exist are left alone). */
export async function loadSeed(engine: RemoteEngine, entry: ExampleEntry): Promise<string> {
  const seed = (await fetchJson(`${entry.name}/seed.json`)) as SeedFile;
  let memories = 0;
  let entries = 0;
  for (const memory of seed.memories ?? []) {
    await engine.memories.put(memory);
    memories++;
  }
  for (const thread of seed.threads ?? []) {
    if (thread.id !== undefined && (await engine.threads.get(thread.id)) !== undefined) continue;
    const created = await engine.threads.create({ ...(thread.id === undefined ? {} : { id: thread.id }), ...(thread.title === undefined ? {} : { title: thread.title }) });
    for (const entry of thread.entries ?? []) {
      await engine.threads.append({ threadId: created.id, content: entry.content, ...(entry.author === undefined ? {} : { author: entry.author }) });
      entries++;
    }
  }
  return `${memories} memories and ${entries} thread entries from examples/${entry.name}/seed.json`;
}
