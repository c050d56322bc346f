import { isThreadspaceError, type ThreadspaceError, type ThreadspaceErrorCode } from "@threadspace/errors";
import { expect } from "vitest";

/** Awaits `promise`, expects it to reject with a ThreadspaceError of `code`, and returns the error. */
export async function expectCode(promise: Promise<unknown>, code: ThreadspaceErrorCode): Promise<ThreadspaceError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a rejection with code ${code}`).toBeDefined();
  if (!isThreadspaceError(caught)) throw new Error(`expected a ThreadspaceError, got ${String(caught)}`, { cause: caught });
  expect(caught.code, caught.message).toBe(code);
  return caught;
}
