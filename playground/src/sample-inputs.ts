/** Inputs that show off each example export, prefilled when it is picked in the call panel. */
import type { InputMode } from "./call-io.ts";

/** A sample input and how to send it. */
export interface SampleInput {
  readonly text: string;
  readonly mode: InputMode;
}

const SAMPLES: Readonly<Record<string, SampleInput>> = {
  "hello.greet": { text: "World", mode: "text" },
  "count-vowels.count_vowels": { text: "Hello, Threadspace!", mode: "text" },
  "c-hello.greet": { text: "World", mode: "text" },
  "c-hello.reverse": { text: "stressed", mode: "text" },
  "c-hello.uppercase": { text: "quiet please", mode: "text" },
  "plain-extism.echo": { text: "plain Extism plugins run too", mode: "text" },
  "plain-extism.count_vowels": { text: "plain Extism plugins run too", mode: "text" },
  "memory-analyzer.analyze_memory": { text: '{"id": "m1"}', mode: "json" },
  "pattern-recognizer.recognize_patterns": { text: '{"threadId": "standup"}', mode: "json" },
  "activity-journal.read_journal": { text: "", mode: "text" },
};

/** The sample for `plugin.export`, if there is one. */
export function sampleInput(plugin: string, exportName: string): SampleInput | undefined {
  return SAMPLES[`${plugin}.${exportName}`];
}

/** Exports every Threadspace plugin has; the call panel lists them last. */
export const LIFECYCLE_EXPORTS: ReadonlySet<string> = new Set(["init_plugin", "get_metadata", "health_check", "cleanup", "on_event", "on_config_change", "debug_info"]);
