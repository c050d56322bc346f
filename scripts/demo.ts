/**
 * `npm run demo` (`npm start` serves the playground): installs every example plugin in one engine and
 * calls each, printing what a person would try first.
 */
import { createEngine, isThreadspaceError } from "@threadspace/core";
import { fileURLToPath } from "node:url";

const examples = fileURLToPath(new URL("../examples/", import.meta.url));
const engine = await createEngine({ logLevel: "warn" });

const tries: Array<[plugin: string, exportName: string, input: string]> = [
  ["hello", "greet", "World"],
  ["hello", "greet", "Wörld 🌍"],
  ["count-vowels", "count_vowels", "Hello, Threadspace!"],
  ["c-hello", "reverse", "stressed"],
  ["plain-extism", "count_vowels", "plain Extism plugins run too"],
];

console.log("Threadspace demo: installing the example plugins from examples/\n");
for (const name of ["hello", "count-vowels", "c-hello", "plain-extism"]) {
  const info = await engine.install(`${examples}${name}`);
  console.log(`  installed ${info.name}@${info.version} (${info.interface}), exports: ${info.exports.map((e) => e.name).join(", ")}`);
}
console.log("");
for (const [plugin, exportName, input] of tries) {
  const output = await engine.call(plugin, exportName, input);
  console.log(`  ${plugin}.${exportName}(${JSON.stringify(input)}) → ${output.text()}`);
}
try {
  await engine.call("hello", "no_such_export");
} catch (error) {
  if (!isThreadspaceError(error)) throw error;
  console.log(`\n  errors are typed: [${error.code}] ${error.message}`);
}
console.log(`\n  health of hello: ${JSON.stringify(await engine.health("hello"))}`);
await engine.close();
console.log("\nTry the CLI: npx threadspace call examples/hello greet World   (npx threadspace --help)");
