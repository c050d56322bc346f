import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Calls `onChange` once the files settle after any of `files` changes (a build writes the wasm,
 * then plugin.json's hash: one call after both). Watches their folders (a rebuild replaces files,
 * which a watch on the file itself would lose). Returns `stop()`.
 */
export function watchFiles(files: readonly string[], onChange: () => void, settleMs = 300): () => void {
  const names = new Map<string, Set<string>>();
  for (const file of files) {
    const dir = dirname(file);
    if (!names.has(dir)) names.set(dir, new Set());
    names.get(dir)?.add(basename(file));
  }
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const [dir, wanted] of names) {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name !== null && !wanted.has(String(name))) return;
        clearTimeout(timer);
        timer = setTimeout(onChange, settleMs);
      });
      watcher.on("error", () => watcher.close());
      watchers.push(watcher);
    } catch {
      // the folder is gone: nothing to watch
    }
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
