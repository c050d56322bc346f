/** The largest plugin.json accepted, in UTF-8 bytes (64 KiB). Objects are measured as their `JSON.stringify`. */
export const MAX_MANIFEST_BYTES = 65_536;

/** The deepest nesting of objects and arrays accepted; the top-level object is level 1. */
export const MAX_MANIFEST_DEPTH = 32;
