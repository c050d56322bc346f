/** The custom HMR event the playground's dev server sends when an example's plugin.json or wasm changes on disk. */
export const REBUILT_EVENT = "threadspace:example-rebuilt";

/** What {@link REBUILT_EVENT} carries: the example's folder name under `/examples/`. */
export interface RebuiltEvent {
  readonly name: string;
}
