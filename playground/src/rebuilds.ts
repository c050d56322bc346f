/**
 * Reinstalls an example when the dev server says it was rebuilt (`threadspace build --watch` in
 * another terminal): `ifInstalled: "upgrade"`, so its config overrides and data are kept and the
 * permissions it had are granted again, and the status line says what happened. The engine's
 * upgrade refuses a broken build (or one that fails to start) and keeps the old one running; the
 * page checks the rebuilt wasm's hash and that it validates first, to say when a build is still
 * being written.
 */
import { sha256Hex } from "@threadspace/bundle";
import type { PluginInfo } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import type { App } from "./app.ts";
import { fetchOk, url } from "./catalog.ts";
import { h } from "./dom.ts";
import { errorBox } from "./error-view.ts";
import type { RebuiltEvent } from "../shared/rebuilt-event.ts";

/** Reads the event's example name, or undefined when the event is not one. */
const nameOf = (data: unknown): string | undefined => {
  const name = (data as Partial<RebuiltEvent> | null)?.name;
  return typeof name === "string" && /^[a-z0-9][a-z0-9_-]*$/.test(name) ? name : undefined;
};

/** Checks the rebuilt wasm against plugin.json's hash and that it compiles, so that a broken build never replaces a working one. */
async function checkWasm(name: string): Promise<void> {
  const manifest = (await (await fetchOk(`${name}/plugin.json`)).json()) as { main?: unknown; hash?: unknown };
  const main = typeof manifest.main === "string" ? manifest.main : "plugin.wasm";
  const wasm = await (await fetchOk(`${name}/${main}`)).arrayBuffer();
  const actual = `sha256:${await sha256Hex(new Uint8Array(wasm))}`;
  if (typeof manifest.hash === "string" && manifest.hash !== actual) {
    throw new ThreadspaceError("hash_mismatch", `[playground] examples/${name}/${main} was rebuilt but plugin.json's "hash" says ${manifest.hash} and the file is ${actual}; the installed build keeps running. Let the build finish (it writes the hash last), or rebuild.`, { plugin: name });
  }
  if (!WebAssembly.validate(wasm)) {
    throw new ThreadspaceError("wasm_invalid", `[playground] examples/${name}/${main} was rebuilt but is not valid WebAssembly (${wasm.byteLength} bytes); the installed build keeps running. Fix the build and save again.`, { plugin: name });
  }
}

/** Installs the rebuilt example over the installed one. */
async function reinstall(app: App, installed: PluginInfo): Promise<PluginInfo> {
  await checkWasm(installed.name);
  return app.engine.install(url(`${installed.name}/plugin.json`), { ifInstalled: "upgrade", grant: [...installed.granted] });
}

/** Listens for rebuilt examples (dev server only) and reinstalls the installed ones, one at a time. */
export function watchRebuilds(app: App, hot: NonNullable<ImportMeta["hot"]>, event: string): void {
  let queue = Promise.resolve();
  hot.on(event, (data) => {
    const name = nameOf(data);
    if (name === undefined) return;
    queue = queue.then(async () => {
      const installed = app.info(name);
      if (installed === undefined) {
        app.status(h("p", { class: "ok" }, `examples/${name} was rebuilt; it is not installed here (Install tab).`));
        return;
      }
      try {
        const info = await reinstall(app, installed);
        const same = info.sha256 !== undefined && info.sha256 === installed.sha256 && info.version === installed.version;
        app.status(h("p", { class: "ok", "data-rebuilt": name }, same ? `${info.name} ${info.version} rebuilt: the same wasm, nothing to reinstall.` : `${info.name} ${info.version} rebuilt and reinstalled.`));
      } catch (error) {
        app.status(errorBox(error, `Reinstalling the rebuilt ${name}`));
      }
      await app.refresh().catch(() => undefined);
    });
  });
}
