/** A message that outlives one reload (an action that restarts the engine reports after the reload). */
const KEY = "threadspace-playground:flash";

export function setFlash(message: string): void {
  sessionStorage.setItem(KEY, message);
}

/** The message left before the reload, once. */
export function takeFlash(): string | undefined {
  const message = sessionStorage.getItem(KEY);
  sessionStorage.removeItem(KEY);
  return message ?? undefined;
}
