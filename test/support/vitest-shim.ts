/**
 * Just enough of vitest to run a contract suite inside workerd, Deno or Bun: `describe`, `test`,
 * `test.skipIf` / `test.runIf`, `beforeEach`, `afterEach` and `context.skip()` collect and run
 * cases; `expect` is vitest's own (@vitest/expect on chai), with `expect.poll`, so assertions behave as they do in Node. The worker bundle (test/edge/build-worker.ts) and
 * the Deno/Bun bundle (test/runtimes/build-contract.ts) map the `vitest` import here (esbuild's
 * `alias`); the Node side asks for the case names, runs each case by name and turns its outcome
 * into a vitest test of its own.
 */
import { chai, customMatchers, getState, JestAsymmetricMatchers, JestChaiExpect, JestExtend, setState } from "@vitest/expect";

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

type Fn = (context: { skip(): never }) => unknown;
interface Case {
  readonly name: string;
  readonly fn: Fn;
  readonly before: readonly Fn[];
  readonly after: readonly Fn[];
}

const cases = new Map<string, Case>();
const path: string[] = [];
let before: Fn[] = [];
let after: Fn[] = [];
const SKIPPED = Symbol("skipped");

export function describe(name: string, body: () => void): void {
  const saved = [before, after];
  path.push(name);
  before = [...before];
  after = [...after];
  body();
  path.pop();
  [before, after] = saved as [Fn[], Fn[]];
}

const skipped: Fn = (context) => context.skip();

/** `test(name, fn)` or `test(name, options, fn)` (options such as `timeout` do not apply here). */
export function test(name: string, ...args: [Fn] | [object, Fn]): void {
  const full = [...path, name].join(" > ");
  const fn = args.length === 1 ? args[0] : args[1];
  cases.set(full, { name: full, fn, before, after });
}

type Register = (name: string, ...args: [Fn] | [object, Fn]) => void;
type EachFn = (...row: never[]) => unknown;
type WithEach = Register & { each(rows: readonly unknown[]): (name: string, ...args: [EachFn] | [object, EachFn]) => void };

/** A case name with a row's values: `%s`, `%d`, `%i`, `%j` take them in turn, `%#` is the row's index, `$key` an object row's field (as vitest names them). */
function eachName(name: string, params: readonly unknown[], index: number): string {
  let next = 0;
  const row = params[0];
  return name
    .replace(/%[sdij#%]/g, (spec) => (spec === "%%" ? "%" : spec === "%#" ? String(index) : spec === "%j" ? JSON.stringify(params[next++]) : String(params[next++])))
    .replace(/\$([A-Za-z_]\w*)/g, (whole, key: string) => (row !== null && typeof row === "object" && key in row ? String((row as Record<string, unknown>)[key]) : whole));
}

/** `register.each(rows)(name, fn)`: one case per row, `fn(...row)` (a row that is not an array is passed as the one argument). */
function withEach(register: Register): WithEach {
  return Object.assign(register, {
    each:
      (rows: readonly unknown[]) =>
      (name: string, ...args: [EachFn] | [object, EachFn]): void => {
        const body = (args.length === 1 ? args[0] : args[1]) as (...row: unknown[]) => unknown;
        rows.forEach((row, index) => {
          const params = Array.isArray(row) ? row : [row];
          register(eachName(name, params, index), () => body(...params));
        });
      },
  });
}

test.each = withEach(test).each;

/** Collects the case either way; when `condition` holds it reports skipped without running (hooks neither). */
test.skipIf = (condition: unknown): WithEach => withEach((name, ...args) => (condition ? test(name, skipped) : test(name, ...args)));

test.runIf = (condition: unknown): WithEach => test.skipIf(!condition);

export function beforeEach(fn: Fn): void {
  before.push(fn);
}

export function afterEach(fn: Fn): void {
  after.push(fn);
}

export const expect = ((value: unknown, message?: string) => {
  setState({ assertionCalls: getState(expect).assertionCalls + 1 }, expect);
  return chai.expect(value, message);
}) as unknown as typeof import("vitest").expect;
Object.assign(expect, chai.expect);
// toSatisfy, toBeOneOf: vitest adds them the same way (JestExtend's chai.expect.extend).
(chai.expect as unknown as { extend(expect: unknown, matchers: object): void }).extend(expect, customMatchers);
setState({ assertionCalls: 0, isExpectingAssertions: false, isExpectingAssertionsError: null, expectedAssertionsNumber: null, expectedAssertionsNumberErrorGen: null }, expect);

/** `expect.poll(fn, { interval, timeout })`: the matcher runs on `fn()`'s value again every `interval` ms (50) until it passes, or fails after `timeout` ms (1000), as in vitest. */
(expect as unknown as Record<string, unknown>)["poll"] = (fn: () => unknown, { interval = 50, timeout = 1000 } = {}) =>
  new Proxy(
    {},
    {
      get: (_, matcher: string) =>
        async (...args: unknown[]): Promise<void> => {
          const end = Date.now() + timeout;
          for (;;) {
            try {
              (chai.expect(await fn()) as unknown as Record<string, (...args: unknown[]) => void>)[matcher]?.(...args);
              return;
            } catch (error) {
              if (Date.now() >= end) throw error;
              await new Promise((resolve) => setTimeout(resolve, interval));
            }
          }
        },
    },
  );

/** What running one case gave. */
export type CaseOutcome = { readonly status: "passed" | "skipped" } | { readonly status: "failed"; readonly message: string };

/** The names of the collected cases (`suite > case`). */
export const caseNames = (): string[] => [...cases.keys()];

/** Runs one case with its hooks; every `afterEach` runs, even after a failure. */
export async function runCase(name: string): Promise<CaseOutcome> {
  const found = cases.get(name);
  if (found === undefined) return { status: "failed", message: `no case named ${JSON.stringify(name)}` };
  const context = {
    skip(): never {
      throw SKIPPED;
    },
  };
  let outcome: CaseOutcome = { status: "passed" };
  const fail = (error: unknown): void => {
    if (error === SKIPPED) outcome = { status: "skipped" };
    else if (outcome.status !== "failed") outcome = { status: "failed", message: error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error) };
  };
  if (found.fn === skipped) return { status: "skipped" };
  try {
    for (const fn of found.before) await fn(context);
    await found.fn(context);
  } catch (error) {
    fail(error);
  }
  for (const fn of found.after) {
    try {
      await fn(context);
    } catch (error) {
      fail(error);
    }
  }
  return outcome;
}
