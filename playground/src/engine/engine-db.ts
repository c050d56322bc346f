/** The IndexedDB database the playground's engine keeps its state in (plugins, grants, data). */
export const ENGINE_DB = "threadspace-playground";
