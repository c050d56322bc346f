import { expect, test } from "vitest";
import { isOpenFailure, isQuotaError, mapIdbError, openFailureError } from "./idb-errors.ts";

/** The same cases run in Chromium (test/browser/storage.test.ts) with the browser's own DOMException. */
export function idbErrorCases(): void {
  test("QuotaExceededError, bare or wrapped in an AbortError / a transaction error, is quota_exceeded", () => {
    const quota = new DOMException("The quota has been exceeded.", "QuotaExceededError");
    const abort = new DOMException("The transaction was aborted.", "AbortError");
    const tx = { error: quota };
    const cases: [unknown, unknown[]][] = [
      [quota, []],
      [abort, [quota]], // idb's tx.done rejects with an AbortError; the transaction's error is the quota one
      [Object.assign(new DOMException("aborted", "AbortError"), { cause: quota }), []],
      [{ name: "AbortError", target: tx }, []], // an abort event
      [new Error("Transaction aborted", { cause: { name: "AbortError", error: quota } }), []],
      [{ name: "NS_ERROR_DOM_QUOTA_REACHED", message: "Persistent storage maximum size reached" }, []],
    ];
    for (const [error, related] of cases) {
      expect(isQuotaError(error, related)).toBe(true);
      const mapped = mapIdbError(error, "committing", related);
      expect(mapped.code).toBe("quota_exceeded");
      expect(mapped.message).toMatch(/storage quota .* nothing of it was kept/);
      expect(mapped.cause).toBe(error);
    }
    expect(isQuotaError(abort)).toBe(false);
  });

  test("other failures: DataCloneError is bad_input, VersionError and closed connections storage_unavailable", () => {
    expect(mapIdbError(new DOMException("could not be cloned", "DataCloneError"), "committing").code).toBe("bad_input");
    const version = mapIdbError(new DOMException("The requested version (1) is less than the existing version (2).", "VersionError"), "opening");
    expect(version.code).toBe("storage_unavailable");
    expect(version.message).toMatch(/newer version .* reload/);
    expect(mapIdbError(new DOMException("The database connection is closing.", "InvalidStateError"), "reading").message).toMatch(/connection was closed/);
    expect(mapIdbError(new DOMException("aborted", "AbortError"), "committing").code).toBe("storage_unavailable");
    expect(mapIdbError(new DOMException("disk", "UnknownError"), "committing").message).toMatch(/UnknownError: disk/);
  });

  test("a store the browser cannot open (UnknownError after a crash, any other open-time DOMException) is storage_unavailable saying what to do", () => {
    const unknown = new DOMException("Internal error opening backing store for indexedDB.open.", "UnknownError");
    for (const error of [unknown, new DOMException("aborted", "AbortError"), new DOMException("bad", "InvalidStateError"), new TypeError("x")]) expect(isOpenFailure(error)).toBe(true);
    // A newer schema or a full quota are not damage: they keep their own mapping.
    expect(isOpenFailure(new DOMException("newer", "VersionError"))).toBe(false);
    expect(isOpenFailure(new DOMException("full", "QuotaExceededError"))).toBe(false);
    const mapped = openFailureError(unknown, "my-app", "opened twice, 100 ms apart");
    expect(mapped.code).toBe("storage_unavailable");
    expect(mapped.cause).toBe(unknown);
    expect(mapped.message).toMatch(/could not open its IndexedDB store "my-app" \(UnknownError: Internal error opening backing store/);
    expect(mapped.message).toMatch(/damaged by a browser crash/);
    expect(mapped.message).toMatch(/Tried: opened twice, 100 ms apart/);
    expect(mapped.message).toMatch(/onDamaged: \(\) => "delete"/);
    expect(mapped.message).toMatch(/deleteIndexedDbStorage\("my-app"\)/);
  });
}
