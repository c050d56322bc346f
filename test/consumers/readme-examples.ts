/** The README's embedding examples, as written, for the consumer cases that run them. */
import { readFileSync } from "node:fs";

const README = new URL("../../README.md", import.meta.url);

/** The `nth` (from 0) ```js block after the README line that starts with `intro`; throws naming `intro` when there is none. */
export function readmeExample(intro: string, nth = 0): string {
  const text = readFileSync(README, "utf8");
  const at = text.split("\n").findIndex((line) => line.startsWith(intro));
  if (at === -1) throw new Error(`README.md has no line starting with ${JSON.stringify(intro)}`);
  const rest = text.split("\n").slice(at).join("\n");
  const block = [...rest.matchAll(/```js\n([\s\S]*?)```/g)][nth]?.[1];
  if (block === undefined) throw new Error(`README.md has no js block after ${JSON.stringify(intro)}`);
  return block;
}
