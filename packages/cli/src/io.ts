/**
 * Where a command reads and writes. Commands never touch `process` directly, so tests run them
 * in-process with a captured {@link CliIo} (see `test-support/capture-io.ts`).
 */
export interface CliIo {
  /** Writes to standard output: text, or raw bytes written as they are. */
  stdout(chunk: string | Uint8Array): void;
  /** Writes text to standard error. */
  stderr(text: string): void;
  /** Reads all of standard input; rejects once it exceeds `maxBytes`. */
  readStdin(maxBytes: number): Promise<Uint8Array>;
  /** True when standard output is a terminal (raw outputs then get a trailing newline). */
  readonly stdoutIsTTY: boolean;
  /** Environment variables (`THREADSPACE_DEBUG=1` shows stack traces). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths are resolved against and shown relative to. */
  readonly cwd: string;
  /**
   * The process's standard streams, for interactive commands (`threadspace run`'s prompt reads
   * lines from `input`; `output` gets the prompt). Absent in tests that capture output.
   */
  readonly terminal?: Terminal;
}

/** Standard input and output as streams, for a line editor (`node:readline`). */
export interface Terminal {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /** True when both are terminals (a prompt, line editing and tab completion). */
  readonly isTTY: boolean;
}

/** The {@link CliIo} of the running process. */
export function processIo(): CliIo {
  return {
    stdout: (chunk) => void process.stdout.write(chunk),
    stderr: (text) => void process.stderr.write(text),
    readStdin: async (maxBytes) => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of process.stdin) {
        const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
        size += bytes.byteLength;
        if (size > maxBytes) {
          process.stdin.destroy();
          throw new Error(`standard input is larger than ${maxBytes} bytes`);
        }
        chunks.push(bytes);
      }
      return concatBytes(chunks);
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    terminal: { input: process.stdin, output: process.stdout, isTTY: process.stdin.isTTY === true && process.stdout.isTTY === true },
  };
}

/** Joins byte chunks into one array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
