/**
 * Tells the playground's page when an example plugin is rebuilt: Vite's file watcher follows each
 * example's plugin.json and wasm, and a change (a `threadspace build --watch` in another terminal)
 * becomes the custom HMR event {@link REBUILT_EVENT} with the example's name. A build writes the
 * wasm and then plugin.json (its hash), so the changes of one example are sent once they settle.
 */
import { join, relative, sep } from "node:path";
import type { ViteDevServer } from "vite";
import { REBUILT_EVENT, type RebuiltEvent } from "../shared/rebuilt-event.ts";
import { listExamples } from "./examples.ts";

/** How long an example's files must stay unchanged before the page hears of it (ms). */
const SETTLE_MS = 300;

/** Watches the built files of every example in `examplesDir` and sends {@link REBUILT_EVENT} to the page. */
export async function watchExamples(server: ViteDevServer, examplesDir: string): Promise<void> {
  const examples = await listExamples(examplesDir).catch(() => []);
  const watched = new Set<string>();
  for (const example of examples) {
    for (const file of ["plugin.json", example.main]) watched.add(join(examplesDir, example.name, file));
  }
  if (watched.size === 0) return;
  server.watcher.add([...watched]);
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const changed = (path: string): void => {
    if (!watched.has(path)) return;
    const name = relative(examplesDir, path).split(sep)[0] ?? "";
    clearTimeout(timers.get(name));
    timers.set(name, setTimeout(() => {
      timers.delete(name);
      const data: RebuiltEvent = { name };
      server.ws.send({ type: "custom", event: REBUILT_EVENT, data });
    }, SETTLE_MS));
  };
  server.watcher.on("change", changed);
  server.watcher.on("add", changed);
  server.httpServer?.once("close", () => timers.forEach((timer) => clearTimeout(timer)));
}
