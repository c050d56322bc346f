// Module resolve hook for the repository's source fallback (see threadspace.js): adds the
// `source` export condition so that @threadspace/* packages resolve to their TypeScript sources.
/** @type {import("node:module").ResolveHook} */
export async function resolve(specifier, context, next) {
  return next(specifier, { ...context, conditions: [...context.conditions, "source"] });
}
