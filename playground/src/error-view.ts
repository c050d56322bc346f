/**
 * How the playground shows a failure: the error's code, where it happened (the action and the
 * plugin), the engine's message (it says what was wrong and what to do), every issue with its
 * JSON path, and a hint for the playground.
 */
import { isThreadspaceError, type ThreadspaceErrorCode } from "@threadspace/errors";
import { h } from "./dom.ts";

/** What to do in the playground, by code (the engine's message says what was wrong). */
const HINTS: Partial<Record<ThreadspaceErrorCode, string>> = {
  permission_denied: "Grant the permission in the plugin's card (Permissions), then call again.",
  export_missing: "Pick one of the plugin's exports in the Export list.",
  bad_input: "Check the input: the message says what is wrong and the list where (JSON paths). In JSON mode, strings need double quotes.",
  plugin_error: "The plugin refused the input; its message says why. Its logs may say more.",
  plugin_trap: "The plugin crashed on this input; it keeps serving other calls. See its logs.",
  plugin_unavailable: "The plugin is not running: see its state and health in its card.",
  plugin_not_found: "Install the plugin first (Examples, or Install from files).",
  already_installed: "Uninstall the installed one first, or install a plugin with another name.",
  manifest_invalid: "Fix plugin.json at the paths listed, then install again.",
  hash_mismatch: "plugin.json's hash does not match the wasm: rebuild, or update the hash (npx threadspace hash).",
  wasm_invalid: "Pick the plugin's compiled .wasm (an Extism module).",
  source_invalid: "Pick a folder (or files) with a plugin.json and the wasm its main names.",
  storage_unavailable: "The browser's storage failed: use Reset playground to start over.",
  quota_exceeded: "The plugin's storage is full: uninstall it or free some of its data.",
  timeout: "The call ran past the plugin's time limit and was stopped; the card's Runs line counts it. Install with a larger timeoutMs for slow calls.",
  bundle_invalid: "Pick a .tsp made by `threadspace pack` (a zip of plugin.json, the wasm and README.md only).",
  signature_invalid: "The bundle was changed after it was signed, or its signature is forged: get it again from its author.",
  signature_untrusted: "Install a bundle signed by a key this engine trusts.",
};

/** The code of any thrown value (`error` for non-Threadspace errors). */
export function errorCode(error: unknown): string {
  return isThreadspaceError(error) ? error.code : "error";
}

/** A box describing `error`, with role="alert" so screen readers announce it. */
export function errorBox(error: unknown, where: string): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  const issues = isThreadspaceError(error) ? error.issues : [];
  const hint = isThreadspaceError(error) ? HINTS[error.code] : undefined;
  return h(
    "div",
    { class: "error", role: "alert", "data-code": code },
    h("p", {}, h("strong", { class: "code" }, code), " ", h("span", { class: "where" }, where)),
    // With issues, the message repeats them in one paragraph: the list reads better, the message stays one click away.
    issues.length === 0 ? h("p", { class: "message" }, message) : h("details", {}, h("summary", {}, `${issues.length} problem(s); the full message`), h("p", { class: "message" }, message)),
    issues.length > 0 && h("ul", { class: "issues" }, ...issues.map((issue) => h("li", {}, h("code", {}, issue.path), " ", issue.message))),
    hint !== undefined && h("p", { class: "hint" }, hint),
  );
}
