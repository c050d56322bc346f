import { run } from "./cli.ts";
import { processIo } from "./io.ts";

// A closed pipe (`threadspace inspect x | head -1`) is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

// The process entry (bin/threadspace.js imports this). Setting exitCode instead of calling
// process.exit() lets buffered stdout drain when it is a pipe.
process.exitCode = await run(process.argv.slice(2), processIo());
