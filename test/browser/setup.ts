/**
 * Browser-project setup: a full garbage collection after each test. Every engine's plugins
 * hold WebAssembly memories (each reserves gigabytes of address space); the page frees closed
 * ones only when it collects, and a plugin worker cannot make the page collect, so without this a
 * long run can leave workers unable to allocate wasm memory. Chromium runs with
 * `--js-flags=--expose-gc` (test/support/chromium.ts).
 */
import { afterEach } from "vitest";

const collect = (globalThis as { gc?: () => void }).gc;
afterEach(() => collect?.());
