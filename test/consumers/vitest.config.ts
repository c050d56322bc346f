/**
 * The consumer suite (`npm run test:consumers`, after `npm run build`): the packed packages used
 * from outside the repository, as their users will: plain Node, a Vite app in Chromium, a Worker
 * in workerd, the CLI's authoring loop. Not part of the main Vitest projects: it needs dist/.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    name: "consumers",
    environment: "node",
    include: ["test/consumers/**/*.test.ts"],
    globalSetup: ["test/consumers/setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
