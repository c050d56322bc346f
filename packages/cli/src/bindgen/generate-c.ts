import type { PluginManifest } from "@threadspace/manifest";
import { boundExports, commentText, descriptionOf, fieldsOf, resolveRef, snakeCase, typesOf, type Field, type Payload, type SchemaNode } from "./schema-model.ts";

/** A string field's buffer when its schema sets no maxLength (bytes, NUL included). */
const DEFAULT_STRING_BYTES = 256;
/** The largest buffer a maxLength may ask for (bytes, NUL included). */
const MAX_STRING_BYTES = 4096;

/** How one field maps to C. */
type CField =
  | { kind: "string"; name: string; json: string; bytes: number; required: boolean; doc: string | undefined }
  | { kind: "int" | "double" | "bool"; name: string; json: string; required: boolean; doc: string | undefined }
  | { kind: "raw"; name: string; json: string; required: boolean; doc: string | undefined };

function cField(field: Field, root: SchemaNode): CField {
  let schema = field.schema;
  const ref = typeof schema !== "boolean" ? schema["$ref"] : undefined;
  if (typeof ref === "string") schema = resolveRef(root, ref) ?? true;
  const base = { name: snakeCase(field.name), json: field.name, required: field.required, doc: descriptionOf(field.schema) };
  const types = typesOf(schema);
  const only = types.length === 1 ? types[0] : undefined;
  if (only === "string" && typeof schema !== "boolean") {
    const max = schema["maxLength"];
    // maxLength counts code points: up to 4 UTF-8 bytes each.
    const bytes = typeof max === "number" ? Math.min(MAX_STRING_BYTES, max * 4 + 1) : DEFAULT_STRING_BYTES;
    return { kind: "string", bytes, ...base };
  }
  if (only === "integer") return { kind: "int", ...base };
  if (only === "number") return { kind: "double", ...base };
  if (only === "boolean") return { kind: "bool", ...base };
  return { kind: "raw", ...base };
}

function declaration(field: CField): string[] {
  const doc = field.doc === undefined ? [] : [`  /* ${commentText(field.doc)} */`];
  const has = field.required ? [] : [`  int has_${field.name}; /* 1 when "${field.json}" was present */`];
  switch (field.kind) {
    case "string":
      return [...doc, `  char ${field.name}[${field.bytes}];`, ...has];
    case "int":
      return [...doc, `  int64_t ${field.name};`, ...has];
    case "double":
      return [...doc, `  double ${field.name};`, ...has];
    case "bool":
      return [...doc, `  int ${field.name};`, ...has];
    case "raw":
      return [...doc, `  const char *${field.name}_json; /* its JSON text (not NUL-terminated), inside the parsed buffer */`, `  uint64_t ${field.name}_len;`, ...has];
  }
}

function parseLine(field: CField): string[] {
  const key = JSON.stringify(field.json);
  const found = `v = tsb_member(json, ${key}, &len);`;
  const mark = field.required ? "" : ` out->has_${field.name} = 1;`;
  const missing = field.required ? "  if (v == 0) return -1;" : "";
  switch (field.kind) {
    case "string":
      return [`  ${found}`, missing, `  if (v != 0) { if (ts_json_string_value(v, out->${field.name}, sizeof out->${field.name}) >= (int64_t)sizeof out->${field.name}) return -1;${mark} }`];
    case "int":
      return [`  ${found}`, missing, `  if (v != 0) { out->${field.name} = tsb_int(v);${mark} }`];
    case "double":
      return [`  ${found}`, missing, `  if (v != 0) { out->${field.name} = tsb_double(v);${mark} }`];
    case "bool":
      return [`  ${found}`, missing, `  if (v != 0) { out->${field.name} = *v == 't';${mark} }`];
    case "raw":
      return [`  ${found}`, missing, `  if (v != 0) { out->${field.name}_json = v; out->${field.name}_len = len;${mark} }`];
  }
}

function resetLine(field: CField): string {
  const has = field.required ? "" : ` out->has_${field.name} = 0;`;
  switch (field.kind) {
    case "string":
      return `  out->${field.name}[0] = 0;${has}`;
    case "raw":
      return `  out->${field.name}_json = 0; out->${field.name}_len = 0;${has}`;
    default:
      return `  out->${field.name} = 0;${has}`;
  }
}

function writeLine(field: CField): string {
  const key = JSON.stringify(field.json);
  const guard = field.required ? "" : `if (in->has_${field.name}) `;
  switch (field.kind) {
    case "string":
      return `  ${guard}{ ts_json_key(&j, ${key}); ts_json_string(&j, in->${field.name}); }`;
    case "int":
      return `  ${guard}{ ts_json_key(&j, ${key}); ts_json_int(&j, in->${field.name}); }`;
    case "double":
      return `  ${guard}{ ts_json_key(&j, ${key}); tsb_json_double(&j, in->${field.name}); }`;
    case "bool":
      return `  ${guard}{ ts_json_key(&j, ${key}); ts_json_bool(&j, in->${field.name}); }`;
    case "raw":
      return `  ${guard}{ ts_json_key(&j, ${key}); if (in->${field.name}_json != 0) ts_json_value_n(&j, in->${field.name}_json, in->${field.name}_len); else ts_json_null(&j); }`;
  }
}

/** The struct and helpers of one JSON object payload, or a note for payloads C gets as text or bytes. */
function payloadCode(prefix: string, exportName: string, side: "input" | "output", payload: Payload): string[] {
  const type = `${prefix}_${snakeCase(exportName)}_${side}`;
  if (payload.encoding !== "json") return [`/* ${exportName}'s ${side} is ${payload.encoding === "text" ? "UTF-8 text" : "bytes"}: ${side === "input" ? "read it with ts_input_read()" : "set it with ts_output()"}. */`, ""];
  const schema = payload.schema;
  if (!typesOf(schema).includes("object") && schema["properties"] === undefined) {
    return [`/* ${exportName}'s ${side} is a JSON value that is not an object with properties: ${side === "input" ? "read it with ts_input_read()" : "write it with ts_json"}. */`, ""];
  }
  const fields = fieldsOf(schema).map((field) => cField(field, schema));
  const doc = descriptionOf(schema);
  const struct = [...(doc === undefined ? [] : [`/* ${commentText(doc)} */`]), "typedef struct {", ...fields.flatMap(declaration), ...(fields.length === 0 ? ["  char unused;"] : []), `} ${type};`, ""];
  if (side === "input") {
    return [
      ...struct,
      `/* Parses ${exportName}'s input (the host checked it against plugin.json's schema). Returns 0, or -1 when a`,
      ` * required member is missing or a string does not fit its buffer. Raw members point into \`json\`. */`,
      `static inline int ${type}_parse(const char *json, ${type} *out) {`,
      "  const char *v; uint64_t len = 0;",
      // Member by member: a zeroing loop would become a memset call, and there is no libc.
      ...fields.map(resetLine),
      "  (void)v; (void)len;",
      ...fields.flatMap(parseLine).filter((line) => line !== ""),
      "  return 0;",
      "}",
      "",
    ];
  }
  return [
    ...struct,
    `/* Writes ${exportName}'s output as JSON into buf; returns the NUL-terminated text, or NULL when it did not fit. */`,
    `static inline const char *${type}_write(const ${type} *in, char *buf, uint64_t cap) {`,
    "  ts_json j;",
    "  ts_json_init(&j, buf, cap);",
    "  ts_json_begin_object(&j);",
    ...fields.map(writeLine),
    "  ts_json_end_object(&j);",
    "  return ts_json_finish(&j);",
    "}",
    "",
  ];
}

/** The small JSON reader the parsers use (threadspace.h has the writer and string decoding). */
const READER = String.raw`/* ---- JSON reading helpers (generated; no libc) ---- */
static inline const char *tsb_ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}
/* After the JSON value at p (strings, objects, arrays, literals, numbers), or NULL when malformed. */
static inline const char *tsb_skip(const char *p) {
  p = tsb_ws(p);
  if (*p == '"') {
    for (p++; *p != '"'; p++) {
      if (*p == 0) return 0;
      if (*p == '\\' && *++p == 0) return 0;
    }
    return p + 1;
  }
  if (*p == '{' || *p == '[') {
    int depth = 0;
    for (; *p != 0; p++) {
      if (*p == '"') { p = tsb_skip(p); if (p == 0) return 0; p--; continue; }
      if (*p == '{' || *p == '[') depth++;
      else if (*p == '}' || *p == ']') { if (--depth == 0) return p + 1; }
    }
    return 0;
  }
  while (*p != 0 && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') p++;
  return p;
}
/* The value of member "key" of the JSON object at json (its length in *len), or NULL when absent. */
static inline const char *tsb_member(const char *json, const char *key, uint64_t *len) {
  const char *p = tsb_ws(json);
  if (*p != '{') return 0;
  p = tsb_ws(p + 1);
  while (*p == '"') {
    const char *k = p + 1;
    const char *end = tsb_skip(p);
    if (end == 0) return 0;
    int same = 1;
    const char *q = key;
    for (const char *c = k; c < end - 1; c++, q++) if (*q == 0 || *c != *q) { same = 0; break; }
    if (*q != 0) same = 0;
    p = tsb_ws(end);
    if (*p != ':') return 0;
    const char *value = tsb_ws(p + 1);
    const char *after = tsb_skip(value);
    if (after == 0) return 0;
    if (same) { *len = (uint64_t)(after - value); return value; }
    p = tsb_ws(after);
    if (*p != ',') return 0;
    p = tsb_ws(p + 1);
  }
  return 0;
}
static inline int64_t tsb_int(const char *p) {
  int negative = *p == '-';
  if (negative) p++;
  int64_t n = 0;
  while (*p >= '0' && *p <= '9') n = n * 10 + (*p++ - '0');
  return negative ? -n : n;
}
static inline double tsb_double(const char *p) {
  int negative = *p == '-';
  if (negative) p++;
  double n = 0, scale = 1;
  while (*p >= '0' && *p <= '9') n = n * 10 + (*p++ - '0');
  if (*p == '.') for (p++; *p >= '0' && *p <= '9'; p++) { scale /= 10; n += (*p - '0') * scale; }
  if (*p == 'e' || *p == 'E') {
    p++;
    int down = *p == '-';
    if (*p == '-' || *p == '+') p++;
    int e = 0;
    while (*p >= '0' && *p <= '9') e = e * 10 + (*p++ - '0');
    while (e-- > 0) n = down ? n / 10 : n * 10;
  }
  return negative ? -n : n;
}
/* Writes a double with up to 6 decimals (NaN and infinities as null, as JSON.stringify does). */
static inline void tsb_json_double(ts_json *j, double value) {
  if (value != value || value > 9.2e18 || value < -9.2e18) { ts_json_null(j); return; }
  int64_t whole = (int64_t)value;
  double rest = value - (double)whole;
  if (rest < 0) rest = -rest;
  int64_t micros = (int64_t)(rest * 1000000.0 + 0.5);
  if (micros == 0) { ts_json_int(j, whole); return; }
  if (whole == 0 && value < 0) { ts_json_separator(j); ts_json_byte(j, '-'); ts_json_raw(j, "0"); }
  else ts_json_int(j, whole);
  char digits[8];
  digits[0] = '.';
  for (int i = 6; i >= 1; i--) { digits[i] = (char)('0' + micros % 10); micros /= 10; }
  int n = 7;
  while (n > 2 && digits[n - 1] == '0') n--;
  ts_json_raw_n(j, digits, (uint64_t)n);
}
`;

/**
 * C for plugin authors from plugin.json's `exports`: per JSON object payload a struct, a
 * `_parse` for inputs and a `_write` for outputs, on threadspace.h's JSON writer and a small
 * generated reader (`threadspace bindgen <dir> --lang c`). Strings get fixed buffers (maxLength
 * sizes them); members C does not type (arrays, nested objects, unions) stay raw JSON text.
 */
export function generateC(manifest: PluginManifest, command: string): string {
  const prefix = snakeCase(manifest.name);
  const guard = `${prefix.toUpperCase()}_EXPORTS_GENERATED_H`;
  const body: string[] = [];
  for (const entry of boundExports(manifest)) {
    if (entry.description !== undefined) body.push(`/* ${entry.name}: ${commentText(entry.description)} */`);
    if (entry.input !== undefined) body.push(...payloadCode(prefix, entry.name, "input", entry.input));
    if (entry.output !== undefined) body.push(...payloadCode(prefix, entry.name, "output", entry.output));
  }
  return [
    `/* Generated by \`${command}\` from ${manifest.name}@${manifest.version}'s plugin.json "exports". Do not edit: run it again.`,
    " * The host checks every input against these schemas before the plugin runs (bad_input). Include threadspace.h first. */",
    `#ifndef ${guard}`,
    `#define ${guard}`,
    "",
    READER,
    ...body,
    `#endif /* ${guard} */`,
    "",
  ].join("\n");
}
