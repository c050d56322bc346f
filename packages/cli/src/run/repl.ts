import { createInterface } from "node:readline";
import type { Terminal } from "../io.ts";
import type { RunSession } from "./session.ts";

/**
 * Reads command lines from `terminal.input` and runs them in `session` until `exit` or the end of
 * input. On a terminal: a prompt, line editing, history and tab completion of commands, export
 * names and permissions; logs and events print as they happen, above the line being typed.
 * Resolves when the prompt closes. On a terminal, `printer.above` is set to a writer that prints
 * above the prompt (for what the session prints between commands) until then.
 */
export async function runPrompt(session: RunSession, terminal: Terminal, write: (text: string) => void, printer: { above: (text: string) => void }): Promise<void> {
  const rl = createInterface({
    input: terminal.input,
    output: terminal.isTTY ? terminal.output : undefined,
    terminal: terminal.isTTY,
    prompt: `${session.plugin}> `,
    historySize: 200,
    completer: (line: string) => session.complete(line),
  });
  let busy = false;
  // Events from on_event deliveries and timers arrive between commands: show them as they come.
  const ticker = setInterval(() => {
    if (!busy) session.flushEvents();
  }, 100);
  ticker.unref();
  const printAbove = (text: string) => {
    if (busy) return write(text);
    // Clear the line being typed, print, then redraw the prompt and what was typed.
    terminal.output.write("\r\x1b[K");
    write(text);
    rl.prompt(true);
  };
  const before = printer.above;
  if (terminal.isTTY) printer.above = printAbove;
  const lines = rl[Symbol.asyncIterator]();
  if (terminal.isTTY) {
    write(`Threadspace: ${session.plugin} (${session.exports().join(", ") || "no exports"}). Tab completes; "help" lists commands; Ctrl-D leaves.\n`);
    rl.prompt();
  }
  try {
    for (;;) {
      const next = await lines.next();
      if (next.done === true) break;
      busy = true;
      const more = await session.execute(next.value);
      busy = false;
      if (!more) break;
      if (terminal.isTTY) {
        rl.setPrompt(`${session.plugin}> `);
        rl.prompt();
      }
    }
  } finally {
    clearInterval(ticker);
    printer.above = before;
    rl.close();
  }
}
