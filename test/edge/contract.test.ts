/**
 * The engine contract suite (test/contract/engine.contract.ts, as test/node and test/browser run
 * it) inside workerd, through one Miniflare: test/edge/contract-worker.ts collects the cases with
 * test/support/vitest-shim.ts; each vitest test here runs its namesake there and reports its outcome.
 * Cases that cannot apply in workerd are skipped in the contract files with the reason beside them.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Miniflare, Response } from "miniflare";
import { afterAll, describe, expect, test } from "vitest";
import { buildContractWorker } from "./build-worker.ts";
import type { CaseOutcome } from "../support/vitest-shim.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Serves the repository's examples/ to the worker's fetches, as the Vite server does in Chromium. */
async function serveExamples(request: { url: string }): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (!path.startsWith("/examples/") || path.includes("..")) return new Response("not found", { status: 404 });
  return readFile(root + path.slice(1)).then(
    (bytes) => new Response(bytes),
    () => new Response("not found", { status: 404 }),
  );
}

const mf = new Miniflare({ modules: (await buildContractWorker()) as never, compatibilityDate: "2025-09-01", outboundService: serveExamples });
const caseList = (await (await mf.dispatchFetch("http://contract.test/")).json()) as string[];

afterAll(() => mf.dispose());

describe("the engine contract in workerd", () => {
  test("the contract suite has its cases", () => {
    expect(caseList.length).toBeGreaterThan(100);
  });

  for (const name of caseList) {
    test(name, async (context) => {
      const response = await mf.dispatchFetch("http://contract.test/", { method: "POST", body: JSON.stringify({ name }) });
      const outcome = (await response.json()) as CaseOutcome;
      if (outcome.status === "skipped") context.skip();
      if (outcome.status === "failed") throw new Error(`in workerd: ${outcome.message}`);
    });
  }
});
