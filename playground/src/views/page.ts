/** What the router mounts: an element, redrawn after each refresh by `update`, told when it leaves by `dispose`. */
export interface Page {
  readonly element: HTMLElement;
  /** Called after every refresh of the engine's state while the page is shown. */
  update?(): void;
  /** Called when the page is replaced (stop timers, drop subscriptions). */
  dispose?(): void;
}
