import type { ReplayDifference, ReplayResult, TracePayload } from "@threadspace/core";

/** Longest shown payload (characters); longer ones are cut with an ellipsis. */
const SHOWN = 160;

function shown(payload: TracePayload | null): string {
  if (payload === null) return "nothing";
  const text = "json" in payload ? JSON.stringify(payload.json) : "text" in payload ? JSON.stringify(payload.text) : `base64 ${payload.base64}`;
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
}

/** One difference as a line for people. */
export function describeDifference(difference: ReplayDifference): string {
  switch (difference.kind) {
    case "host": {
      const expected = difference.expected === null ? "no host call (the trace ends there)" : `${difference.expected.fn} ${shown(difference.expected.request)}`;
      const got = difference.got === null ? "no host call (the replay ended first)" : `${difference.got.fn} ${shown(difference.got.request)}`;
      return `host call #${difference.index}: expected ${expected}, got ${got}`;
    }
    case "output":
      return `output: expected ${shown(difference.expected)}, got ${shown(difference.got)}`;
    case "error": {
      const of = (e: { code: string; message: string } | null) => (e === null ? "no error" : `${e.code} (${e.message})`);
      return `error: expected ${of(difference.expected)}, got ${of(difference.got)}`;
    }
    case "fuel":
      return `fuel: expected ${difference.expected}, got ${difference.got}`;
    case "wasi": {
      const expected = difference.expected === null ? "no read (the trace ends there)" : `${difference.expected.fn}(${difference.expected.arg})`;
      const got = difference.got === null ? "no read (the replay ended first)" : `${difference.got.fn}(${difference.got.arg})`;
      return `WASI read #${difference.index}: expected ${expected}, got ${got}`;
    }
  }
}

/** The lines that describe a replay: each difference, then each note. */
export function replayLines(result: ReplayResult): string[] {
  return [...result.differences.map(describeDifference), ...result.notes.map((note) => `note: ${note}`)];
}
