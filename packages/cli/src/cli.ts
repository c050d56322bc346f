import { readFileSync } from "node:fs";
import { terminalSafeIo } from "./terminal-safe.ts";
import { cac } from "cac";
import { defineBindgen } from "./commands/bindgen.ts";
import { defineBuild } from "./commands/build.ts";
import { defineCall } from "./commands/call.ts";
import { defineCap } from "./commands/cap.ts";
import { defineHash } from "./commands/hash.ts";
import { defineInitPlugin } from "./commands/init-plugin.ts";
import { defineInspect } from "./commands/inspect.ts";
import { defineKeygen } from "./commands/keygen.ts";
import { definePack } from "./commands/pack.ts";
import { defineRun } from "./commands/run.ts";
import { defineReplay } from "./commands/replay.ts";
import { defineSign } from "./commands/sign.ts";
import { defineTest } from "./commands/test.ts";
import { defineValidate } from "./commands/validate.ts";
import { defineVerify } from "./commands/verify.ts";
import { commandHelp, globalHelp } from "./help.ts";
import type { CliIo } from "./io.ts";
import { EXIT_OK, EXIT_USAGE, UsageError, reportError } from "./output.ts";

/** The CLI's version, from its package.json. */
export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

function isCacError(error: unknown): error is Error {
  return error instanceof Error && error.name === "CACError";
}

/**
 * Runs the `threadspace` command line in-process: parses `args` (without `node` and the script),
 * runs the command with `io`, reports any error on `io.stderr`, and returns the exit code
 * (0 success, 1 failure, 2 usage error). Never throws. Control characters in what it prints are
 * escaped (`terminalSafeIo`).
 *
 * @example
 * const code = await run(["call", "examples/hello", "greet", "World"], processIo());
 */
export async function run(args: readonly string[], unsafeIo: CliIo): Promise<number> {
  // The printing boundary: nothing a plugin or bundle wrote reaches the terminal raw (terminal-safe.ts).
  const io = terminalSafeIo(unsafeIo);
  const cli = cac("threadspace");
  cli.option("-h, --help", "Show help (after a command: that command's help)");
  cli.option("-v, --version", "Show the version");
  defineValidate(cli, io);
  defineInspect(cli, io);
  defineCall(cli, io);
  defineReplay(cli, io);
  defineHash(cli, io);
  defineCap(cli, io);
  defineInitPlugin(cli, io);
  defineBuild(cli, io);
  defineTest(cli, io);
  defineRun(cli, io);
  definePack(cli, io);
  defineSign(cli, io);
  defineVerify(cli, io);
  defineKeygen(cli, io);
  defineBindgen(cli, io);
  let commandName: string | undefined;
  try {
    cli.parse(["node", "threadspace", ...args], { run: false });
    const command = cli.matchedCommand;
    commandName = command?.name;
    if (cli.options["help"] === true) {
      io.stdout(command === undefined ? globalHelp(cli, VERSION) : commandHelp(cli, command));
      return EXIT_OK;
    }
    if (command === undefined) {
      if (cli.options["version"] === true) {
        io.stdout(`threadspace/${VERSION} node-${process.version}\n`);
        return EXIT_OK;
      }
      const name = cli.args[0];
      if (name === undefined) {
        io.stderr(globalHelp(cli, VERSION));
        return EXIT_USAGE;
      }
      throw new UsageError(`unknown command "${name}". Commands: ${cli.commands.map((c) => c.name).join(", ")}.`);
    }
    const code: unknown = await cli.runMatchedCommand();
    return typeof code === "number" ? code : EXIT_OK;
  } catch (error) {
    if (isCacError(error)) return reportError(io, new UsageError(error.message.replaceAll("`", '"'), commandName));
    return reportError(io, error);
  }
}
