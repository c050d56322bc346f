import type { CAC, Command } from "cac";

interface Row {
  readonly left: string;
  readonly right: string;
}

function table(rows: readonly Row[]): string {
  const width = Math.max(...rows.map((row) => row.left.length));
  return rows.map((row) => `  ${row.left.padEnd(width)}  ${row.right}`).join("\n");
}

function optionRows(options: Command["options"]): Row[] {
  return options.map((option) => ({ left: option.rawName, right: option.description }));
}

function examples(command: Command): string[] {
  return command.examples.map((example) => (typeof example === "function" ? example("threadspace") : example));
}

const FOOTER = `Exit codes: 0 success, 1 failure, 2 usage error. Set THREADSPACE_DEBUG=1 to print stack traces.`;

/** The text of `threadspace --help`. */
export function globalHelp(cli: CAC, version: string): string {
  const sections = [
    `threadspace ${version}: create, build, test, check, pack and run Threadspace WebAssembly plugins`,
    `Usage:\n  $ threadspace <command> [options]`,
    `Commands:\n${table(cli.commands.map((command) => ({ left: command.rawName, right: command.description })))}`,
    `Options:\n${table(optionRows(cli.globalCommand.options))}`,
    `Examples:\n${cli.commands.flatMap((command) => examples(command).slice(0, 1)).join("\n")}`,
    `Run "threadspace <command> --help" for a command's options and examples.\n${FOOTER}`,
  ];
  return `${sections.join("\n\n")}\n`;
}

/** The text of `threadspace <command> --help`. */
export function commandHelp(cli: CAC, command: Command): string {
  const options = [...command.options, ...cli.globalCommand.options.filter((option) => option.name !== "version")];
  const sections = [
    `Usage:\n  $ threadspace ${command.rawName}${command.options.length > 0 ? " [options]" : ""}`,
    command.description,
    `Options:\n${table(optionRows(options))}`,
  ];
  const list = examples(command);
  if (list.length > 0) sections.push(`Examples:\n${list.join("\n")}`);
  sections.push(FOOTER);
  return `${sections.join("\n\n")}\n`;
}
