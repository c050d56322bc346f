import type { CliIo } from "./io.ts";

/**
 * Characters a terminal acts on instead of showing: C0 controls (but newline and tab), DEL, C1
 * controls (CSI, OSC, ... as single bytes), and the bidi overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) that make text read differently from what it is.
 */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * Makes text safe to print: each control character becomes `\uXXXX` (visible, and the same
 * string once read back as JSON, so `--json` output stays valid JSON with the same values).
 * Newlines and tabs stay. An ESC sequence is broken at its ESC, so it prints as text.
 *
 * @example
 * escapeControls("red \u001b[31m") // "red \\u001b[31m"
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (ch) => `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, "0")}`);
}

/**
 * The CLI's printing boundary: every string a command writes, to stdout or stderr, goes through
 * {@link escapeControls}, whatever it quotes (plugin.json fields, plugin logs, plugin errors).
 * Raw bytes (a call's output) are written exactly when stdout is not a terminal (a pipe or a
 * file gets what the plugin output); on a terminal they are decoded as UTF-8 and escaped.
 */
export function terminalSafeIo(io: CliIo): CliIo {
  return {
    stdout: (chunk) => {
      if (typeof chunk === "string") io.stdout(escapeControls(chunk));
      else if (io.stdoutIsTTY) io.stdout(escapeControls(new TextDecoder().decode(chunk)));
      else io.stdout(chunk);
    },
    stderr: (text) => io.stderr(escapeControls(text)),
    readStdin: (maxBytes) => io.readStdin(maxBytes),
    stdoutIsTTY: io.stdoutIsTTY,
    env: io.env,
    cwd: io.cwd,
    ...(io.terminal === undefined ? {} : { terminal: io.terminal }),
  };
}
