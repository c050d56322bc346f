/**
 * Vite/Vitest resolve options that pick the packages' `source` export condition, so tests,
 * benchmarks and the playground run the TypeScript sources with no build step (the published
 * packages resolve to dist/ instead).
 */
import { defaultClientConditions, defaultServerConditions, type UserConfig } from "vite";

/** `resolve` and `ssr.resolve` conditions with `source` first. */
export const sourceConditions: Pick<UserConfig, "resolve" | "ssr"> = {
  resolve: { conditions: ["source", ...defaultClientConditions] },
  ssr: { resolve: { conditions: ["source", ...defaultServerConditions] } },
};
