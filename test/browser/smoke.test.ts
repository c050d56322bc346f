import { expect, test } from "vitest";
test("runs in chromium", async () => {
  expect(typeof window).toBe("object");
  expect(crossOriginIsolated).toBe(true);
  const r = await fetch("/package.json");
  expect(r.ok).toBe(true);
});
