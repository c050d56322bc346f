import { concatBytes, type CliIo } from "../io.ts";

/** Options of {@link captureIo}. */
export interface CaptureOptions {
  readonly stdin?: string | Uint8Array;
  readonly stdoutIsTTY?: boolean;
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
}

/** A {@link CliIo} that records what a command writes, for in-process tests. */
export interface CapturedIo {
  readonly io: CliIo;
  /** Standard output as UTF-8 text. */
  stdout(): string;
  /** Standard output as the exact bytes written. */
  stdoutBytes(): Uint8Array;
  stderr(): string;
}

/** Creates a {@link CapturedIo}. */
export function captureIo(options: CaptureOptions = {}): CapturedIo {
  const out: Uint8Array[] = [];
  let err = "";
  const encoder = new TextEncoder();
  const stdin = typeof options.stdin === "string" ? encoder.encode(options.stdin) : options.stdin;
  const io: CliIo = {
    stdout: (chunk) => void out.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk.slice()),
    stderr: (text) => void (err += text),
    readStdin: async (maxBytes) => {
      if (stdin === undefined) return new Uint8Array(0);
      if (stdin.byteLength > maxBytes) throw new Error(`standard input is larger than ${maxBytes} bytes`);
      return stdin;
    },
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  };
  return {
    io,
    stdout: () => new TextDecoder().decode(concatBytes(out)),
    stdoutBytes: () => concatBytes(out),
    stderr: () => err,
  };
}
