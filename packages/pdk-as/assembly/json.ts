// JSON for AssemblyScript plugins: a writer (Json.stringify, JsonObject, JsonArray, Json.quote)
// and a reader (Json.parse -> JsonValue). AssemblyScript has no built-in JSON.
//
// Writer: strings are escaped as JSON requires (`"`, `\`, U+0000-U+001F); other text, including
// non-ASCII, is written as is and becomes UTF-8 when sent. Lone UTF-16 surrogates, which UTF-8
// cannot carry, are written as \uXXXX escapes, so the text is always valid UTF-8 and valid JSON.
// Non-finite numbers (NaN, Infinity) are written as null, as JSON.stringify does.
//
// Reader: strict RFC 8259 (no comments, no trailing commas, no leading zeros); \uXXXX escapes
// and surrogate pairs; nesting limited to 512 levels; numbers keep their source text, so
// integers beyond 2^53 survive a round trip. Parse errors never abort: Json.parse returns null
// and Json.lastError() says what and where.

/** What a {@link JsonValue} holds. */
export enum JsonKind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

/**
 * Integers below this magnitude (10^15, exact in f64) are kept as a number only: their JSON text
 * is the same as i64.toString(). Other numbers keep their source text.
 */
const MAX_COMPACT_INTEGER: i64 = 1_000_000_000_000_000;

/** Deepest nesting Json.parse accepts (deeper documents are refused, never a stack overflow). */
export const JSON_MAX_DEPTH: i32 = 512;

/** JSON text that is written as is by the writer (it is not quoted). Make one with Json.raw(). */
export class RawJson {
  constructor(public readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * A parsed JSON value. Accessors never abort: a missing member or an element of the wrong kind
 * reads as null / "" / 0 / false, so `v.get("a").get("b").asString()` is safe; use `has()`,
 * `kind` or the `is*()` methods to tell a missing member from a real null.
 */
export class JsonValue {
  /** @internal */ _bool: bool = false;
  /** @internal */ _num: f64 = 0;
  /** @internal Number: its source text. String: the string. */ _text: string = "";
  /** @internal Array: the elements. Object: the member values. */ _items: JsonValue[] | null = null;
  /** @internal Object: the member names, in document order. */ _keys: string[] | null = null;

  constructor(public readonly kind: JsonKind) {}

  // null, true and false are shared: a JsonValue never changes once made.
  private static _null: JsonValue | null = null;
  private static _true: JsonValue | null = null;
  private static _false: JsonValue | null = null;

  static null(): JsonValue {
    let v = JsonValue._null;
    if (v === null) JsonValue._null = v = new JsonValue(JsonKind.Null);
    return v;
  }
  static bool(value: bool): JsonValue {
    let v = value ? JsonValue._true : JsonValue._false;
    if (v === null) {
      v = new JsonValue(JsonKind.Bool);
      v._bool = value;
      if (value) JsonValue._true = v;
      else JsonValue._false = v;
    }
    return v;
  }
  static number(value: f64): JsonValue {
    if (!isFinite(value)) return JsonValue.null();
    const v = new JsonValue(JsonKind.Number);
    v._num = value;
    v._text = formatFloat(value);
    return v;
  }
  static integer(value: i64): JsonValue {
    const v = new JsonValue(JsonKind.Number);
    v._num = <f64>value;
    if (value > -MAX_COMPACT_INTEGER && value < MAX_COMPACT_INTEGER) return v; // text made when written
    v._text = value.toString();
    return v;
  }
  static string(value: string): JsonValue {
    const v = new JsonValue(JsonKind.String);
    v._text = value;
    return v;
  }
  static array(items: JsonValue[]): JsonValue {
    const v = new JsonValue(JsonKind.Array);
    v._items = items;
    return v;
  }
  static object(keys: string[], values: JsonValue[]): JsonValue {
    const v = new JsonValue(JsonKind.Object);
    v._keys = keys;
    v._items = values;
    return v;
  }

  isNull(): bool {
    return this.kind == JsonKind.Null;
  }
  isBool(): bool {
    return this.kind == JsonKind.Bool;
  }
  isNumber(): bool {
    return this.kind == JsonKind.Number;
  }
  isString(): bool {
    return this.kind == JsonKind.String;
  }
  isArray(): bool {
    return this.kind == JsonKind.Array;
  }
  isObject(): bool {
    return this.kind == JsonKind.Object;
  }

  /** The boolean, or false for anything else. */
  asBool(): bool {
    return this.kind == JsonKind.Bool && this._bool;
  }
  /** The number, or NaN for anything else. */
  asNumber(): f64 {
    return this.kind == JsonKind.Number ? this._num : NaN;
  }
  /**
   * The number as an integer (exact for integer literals up to 64 bits; other numbers are
   * truncated; out-of-range values saturate), or 0 for anything else.
   */
  asInt(): i64 {
    if (this.kind != JsonKind.Number) return 0;
    if (this._text.length == 0) return <i64>this._num; // a compact integer
    if (isIntegerLiteral(this._text)) return parseIntegerLiteral(this._text);
    const n = this._num;
    if (n != n) return 0;
    if (n >= 9.2233720368547758e18) return i64.MAX_VALUE;
    if (n <= -9.2233720368547758e18) return i64.MIN_VALUE;
    return <i64>n;
  }
  /** The string, or "" for anything else. */
  asString(): string {
    return this.kind == JsonKind.String ? this._text : "";
  }
  /** The string, or null for anything else. */
  asStringOrNull(): string | null {
    return this.kind == JsonKind.String ? this._text : null;
  }
  /** The elements of an array that are strings (other elements are skipped); [] for anything else. */
  asStrings(): string[] {
    const out = new Array<string>();
    if (this.kind != JsonKind.Array) return out;
    const items = this._items!;
    for (let i = 0; i < items.length; i++) {
      const item = unchecked(items[i]);
      if (item.kind == JsonKind.String) out.push(item._text);
    }
    return out;
  }
  /** The elements of an array; [] for anything else. */
  asArray(): JsonValue[] {
    if (this.kind != JsonKind.Array) return new Array<JsonValue>();
    return this._items!.slice(0);
  }

  /** Number of elements (array) or members (object); 0 for anything else. */
  get length(): i32 {
    if (this.kind != JsonKind.Array && this.kind != JsonKind.Object) return 0;
    return this._items!.length;
  }
  /** Element `index` of an array; a JSON null when out of range or not an array. */
  at(index: i32): JsonValue {
    if (this.kind != JsonKind.Array) return JsonValue.null();
    const items = this._items!;
    if (index < 0 || index >= items.length) return JsonValue.null();
    return unchecked(items[index]);
  }
  /** True when this is an object with member `key`. */
  has(key: string): bool {
    return this.indexOf(key) >= 0;
  }
  /** Member `key` of an object (the last one when a key repeats, as JSON.parse does); null when missing. */
  get(key: string): JsonValue {
    const i = this.indexOf(key);
    return i < 0 ? JsonValue.null() : unchecked(this._items![i]);
  }
  /** The member names of an object, in document order; [] for anything else. */
  keys(): string[] {
    if (this.kind != JsonKind.Object) return new Array<string>();
    return this._keys!.slice(0);
  }

  /** The value as JSON text. */
  toJson(): string {
    const w = new JsonWriter();
    writeValue(w, this);
    return w.toString();
  }
  toString(): string {
    return this.toJson();
  }

  private indexOf(key: string): i32 {
    if (this.kind != JsonKind.Object) return -1;
    const keys = this._keys!;
    for (let i = keys.length - 1; i >= 0; i--) if (unchecked(keys[i]) == key) return i;
    return -1;
  }
}

/** Builds a JSON object member by member: `new JsonObject().set("id", id).set("n", 1).toString()`. */
export class JsonObject {
  private parts: string[] = new Array<string>();
  private names: string[] = new Array<string>();

  /**
   * Sets member `key` to `value`: a string (quoted), bool, integer, float, null, array of those,
   * JsonObject, JsonArray, JsonValue or RawJson. Setting a key again replaces its value.
   */
  set<T>(key: string, value: T): JsonObject {
    return this.setRaw(key, Json.stringify<T>(value));
  }
  /** Sets member `key` to JSON text, written as is (not checked). */
  setRaw(key: string, json: string): JsonObject {
    const member = Json.quote(key) + ":" + json;
    for (let i = 0; i < this.names.length; i++) {
      if (unchecked(this.names[i]) == key) {
        unchecked((this.parts[i] = member));
        return this;
      }
    }
    this.names.push(key);
    this.parts.push(member);
    return this;
  }
  /** Sets member `key` only when `value` is not null (for optional request fields). */
  setIfNotNull(key: string, value: string | null): JsonObject {
    if (value !== null) this.setRaw(key, Json.quote(value));
    return this;
  }
  has(key: string): bool {
    return this.names.includes(key);
  }
  get size(): i32 {
    return this.parts.length;
  }
  toString(): string {
    return "{" + this.parts.join(",") + "}";
  }
}

/** Builds a JSON array: `new JsonArray().push("a").push(2).toString()`. */
export class JsonArray {
  private parts: string[] = new Array<string>();

  /** Appends `value` (any type Json.stringify accepts). */
  push<T>(value: T): JsonArray {
    this.parts.push(Json.stringify<T>(value));
    return this;
  }
  /** Appends JSON text, written as is (not checked). */
  pushRaw(json: string): JsonArray {
    this.parts.push(json);
    return this;
  }
  get length(): i32 {
    return this.parts.length;
  }
  toString(): string {
    return "[" + this.parts.join(",") + "]";
  }
}

let lastParseError: string = "";

/** JSON entry points. */
export class Json {
  /**
   * `value` as JSON text. Accepts strings (null for a null string), bool, integers, floats
   * (null when not finite), arrays of any accepted type, JsonObject, JsonArray, JsonValue and
   * RawJson. Other types are a compile error.
   */
  static stringify<T>(value: T): string {
    if (isBoolean<T>()) {
      // @ts-ignore: T is bool
      return value ? "true" : "false";
    } else if (isInteger<T>()) {
      // @ts-ignore: T is an integer type
      return value.toString();
    } else if (isFloat<T>()) {
      // @ts-ignore: T is f32 or f64
      return formatFloat(<f64>value);
    } else if (isString<T>()) {
      if (isNullable<T>()) {
        if (changetype<usize>(value) == 0) return "null";
      }
      return Json.quote(changetype<string>(value));
    } else if (isReference<T>()) {
      if (changetype<usize>(value) == 0) return "null";
      if (isArray<T>()) {
        const w = new Array<string>();
        // @ts-ignore: T is an array
        for (let i = 0; i < value.length; i++) w.push(Json.stringify<valueof<T>>(value[i]));
        return "[" + w.join(",") + "]";
      } else if (value instanceof JsonObject) {
        return changetype<JsonObject>(value).toString();
      } else if (value instanceof JsonArray) {
        return changetype<JsonArray>(value).toString();
      } else if (value instanceof JsonValue) {
        return changetype<JsonValue>(value).toJson();
      } else if (value instanceof RawJson) {
        return changetype<RawJson>(value).text;
      } else {
        ERROR("Json.stringify: unsupported type; use a string, number, bool, array, JsonObject, JsonArray, JsonValue or RawJson");
        return "null";
      }
    } else {
      ERROR("Json.stringify: unsupported type; use a string, number, bool, array, JsonObject, JsonArray, JsonValue or RawJson");
      return "null";
    }
  }

  /** `text` as a JSON string literal, quotes included. */
  static quote(text: string): string {
    const w = new JsonWriter();
    w.quoted(text);
    return w.toString();
  }

  /** Marks `json` as JSON text for the writer (it is inserted as is, not quoted). */
  static raw(json: string): RawJson {
    return new RawJson(json);
  }

  /** Parses JSON text; null when it is not valid JSON (see {@link Json.lastError}). */
  static parse(text: string): JsonValue | null {
    const parser = new JsonParser(text);
    const value = parser.document();
    lastParseError = value === null ? parser.error : "";
    return value;
  }

  /** Why the last Json.parse returned null ("" after a successful parse). */
  static lastError(): string {
    return lastParseError;
  }
}

// ---------------------------------------------------------------------------------------------
// Writer

const HEX = "0123456789abcdef";

/** Formats a float as JSON: integers without ".0" when exact, null when not finite. */
function formatFloat(value: f64): string {
  if (!isFinite(value)) return "null";
  if (value == Math.trunc(value) && Math.abs(value) < 1e21) {
    if (value == 0) return "0"; // also -0, as JSON.stringify does
    if (Math.abs(value) <= 9007199254740992) return (<i64>value).toString();
  }
  return value.toString();
}

/**
 * Writes JSON text into one growing UTF-16 buffer (AssemblyScript strings are immutable: joining
 * many small parts costs far more memory than one buffer that doubles).
 */
class JsonWriter {
  private buf: ArrayBuffer = new ArrayBuffer(64);
  /** Bytes used (2 per UTF-16 code unit). */
  private used: i32 = 0;

  private reserve(bytes: i32): usize {
    const need = this.used + bytes;
    let cap = this.buf.byteLength;
    if (need > cap) {
      while (cap < need) cap <<= 1;
      const grown = new ArrayBuffer(cap);
      memory.copy(changetype<usize>(grown), changetype<usize>(this.buf), <usize>this.used);
      this.buf = grown;
    }
    return changetype<usize>(this.buf) + <usize>this.used;
  }

  /** Appends code units [start, end) of `text`. */
  private copy(text: string, start: i32, end: i32): void {
    const bytes = (end - start) << 1;
    if (bytes <= 0) return;
    const at = this.reserve(bytes);
    memory.copy(at, changetype<usize>(text) + (<usize>start << 1), <usize>bytes);
    this.used += bytes;
  }

  raw(text: string): void {
    this.copy(text, 0, text.length);
  }

  private unit(c: u32): void {
    store<u16>(this.reserve(2), <u16>c);
    this.used += 2;
  }

  private unicodeEscape(c: u32): void {
    this.unit(0x5c); // \
    this.unit(0x75); // u
    this.unit(<u32>HEX.charCodeAt((c >> 12) & 15));
    this.unit(<u32>HEX.charCodeAt((c >> 8) & 15));
    this.unit(<u32>HEX.charCodeAt((c >> 4) & 15));
    this.unit(<u32>HEX.charCodeAt(c & 15));
  }

  /** Writes `text` as a JSON string literal. */
  quoted(text: string): void {
    this.unit(0x22);
    const n = text.length;
    let run = 0; // start of the current run of characters that need no escaping
    for (let i = 0; i < n; i++) {
      const c = <u32>text.charCodeAt(i);
      if (c >= 0x20 && c != 0x22 && c != 0x5c && (c < 0xd800 || c > 0xdfff)) continue;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        // A well-formed surrogate pair passes through; a lone surrogate is escaped (UTF-8 cannot hold it).
        const d = <u32>text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
          continue;
        }
      }
      this.copy(text, run, i);
      run = i + 1;
      if (c == 0x22 || c == 0x5c) {
        this.unit(0x5c);
        this.unit(c);
      } else if (c == 0x0a) {
        this.unit(0x5c);
        this.unit(0x6e); // n
      } else if (c == 0x0d) {
        this.unit(0x5c);
        this.unit(0x72); // r
      } else if (c == 0x09) {
        this.unit(0x5c);
        this.unit(0x74); // t
      } else if (c == 0x08) {
        this.unit(0x5c);
        this.unit(0x62); // b
      } else if (c == 0x0c) {
        this.unit(0x5c);
        this.unit(0x66); // f
      } else {
        this.unicodeEscape(c); // other control characters and lone surrogates
      }
    }
    this.copy(text, run, n);
    this.unit(0x22);
  }

  toString(): string {
    return String.UTF16.decodeUnsafe(changetype<usize>(this.buf), <usize>this.used);
  }
}

function writeValue(w: JsonWriter, v: JsonValue): void {
  switch (v.kind) {
    case JsonKind.Null:
      w.raw("null");
      break;
    case JsonKind.Bool:
      w.raw(v._bool ? "true" : "false");
      break;
    case JsonKind.Number:
      w.raw(v._text.length > 0 ? v._text : (<i64>v._num).toString());
      break;
    case JsonKind.String:
      w.quoted(v._text);
      break;
    case JsonKind.Array: {
      const items = v._items!;
      w.raw("[");
      for (let i = 0; i < items.length; i++) {
        if (i > 0) w.raw(",");
        writeValue(w, unchecked(items[i]));
      }
      w.raw("]");
      break;
    }
    case JsonKind.Object: {
      const keys = v._keys!;
      const items = v._items!;
      w.raw("{");
      for (let i = 0; i < keys.length; i++) {
        if (i > 0) w.raw(",");
        w.quoted(unchecked(keys[i]));
        w.raw(":");
        writeValue(w, unchecked(items[i]));
      }
      w.raw("}");
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reader

function isIntegerLiteral(text: string): bool {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x2e || c == 0x65 || c == 0x45) return false; // . e E
  }
  return true;
}

/** An integer literal (`-?[0-9]+`, as the reader checked) as i64, saturating out of range. */
function parseIntegerLiteral(text: string): i64 {
  const negative = text.charCodeAt(0) == 0x2d;
  const digits = negative ? text.length - 1 : text.length;
  if (digits < 19) return i64.parse(text, 10);
  if (digits == 19) {
    // Same length as the limits: compare as text (JSON integers have no leading zeros).
    const body = negative ? text.substring(1) : text;
    const limit = negative ? "9223372036854775808" : "9223372036854775807";
    if (body <= limit) return negative ? (body == limit ? i64.MIN_VALUE : -i64.parse(body, 10)) : i64.parse(body, 10);
  }
  return negative ? i64.MIN_VALUE : i64.MAX_VALUE;
}

function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

class JsonParser {
  pos: i32 = 0;
  depth: i32 = 0;
  error: string = "";

  constructor(public text: string) {}

  document(): JsonValue | null {
    this.skipSpace();
    const value = this.value();
    if (value === null) return null;
    this.skipSpace();
    if (this.pos < this.text.length) return this.fail("unexpected " + this.describe() + " after the JSON value");
    return value;
  }

  private peek(): i32 {
    return this.text.charCodeAt(this.pos); // -1 at the end
  }

  private describe(): string {
    if (this.pos >= this.text.length) return "end of input";
    const c = this.text.charCodeAt(this.pos);
    if (c < 0x20) return "character U+00" + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
    return "'" + this.text.charAt(this.pos) + "'";
  }

  private fail(message: string): JsonValue | null {
    if (this.error.length == 0) this.error = message + " at offset " + this.pos.toString();
    return null;
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) this.pos++;
      else break;
    }
  }

  private value(): JsonValue | null {
    const c = this.peek();
    if (c == 0x7b) return this.object();
    if (c == 0x5b) return this.array();
    if (c == 0x22) {
      const s = this.string();
      return s === null ? null : JsonValue.string(s);
    }
    if (c == 0x2d || isDigit(c)) return this.number();
    if (this.literal("true")) return JsonValue.bool(true);
    if (this.literal("false")) return JsonValue.bool(false);
    if (this.literal("null")) return JsonValue.null();
    return this.fail("expected a JSON value, found " + this.describe());
  }

  private literal(word: string): bool {
    const n = word.length;
    if (this.pos + n > this.text.length) return false;
    for (let i = 0; i < n; i++) if (this.text.charCodeAt(this.pos + i) != word.charCodeAt(i)) return false;
    this.pos += n;
    return true;
  }

  private enter(): bool {
    if (++this.depth > JSON_MAX_DEPTH) {
      this.fail("nesting deeper than " + JSON_MAX_DEPTH.toString() + " levels");
      return false;
    }
    return true;
  }

  private object(): JsonValue | null {
    if (!this.enter()) return null;
    this.pos++; // {
    const keys = new Array<string>();
    const values = new Array<JsonValue>();
    this.skipSpace();
    if (this.peek() == 0x7d) {
      this.pos++;
      this.depth--;
      return JsonValue.object(keys, values);
    }
    while (true) {
      this.skipSpace();
      if (this.peek() != 0x22) return this.fail("expected a member name in double quotes, found " + this.describe());
      const key = this.string();
      if (key === null) return null;
      this.skipSpace();
      if (this.peek() != 0x3a) return this.fail("expected ':' after a member name, found " + this.describe());
      this.pos++;
      this.skipSpace();
      const value = this.value();
      if (value === null) return null;
      keys.push(key);
      values.push(value);
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c == 0x2c) continue;
      if (c == 0x7d) break;
      this.pos--;
      return this.fail("expected ',' or '}' in an object, found " + this.describe());
    }
    this.depth--;
    return JsonValue.object(keys, values);
  }

  private array(): JsonValue | null {
    if (!this.enter()) return null;
    this.pos++; // [
    const items = new Array<JsonValue>();
    this.skipSpace();
    if (this.peek() == 0x5d) {
      this.pos++;
      this.depth--;
      return JsonValue.array(items);
    }
    while (true) {
      this.skipSpace();
      const value = this.value();
      if (value === null) return null;
      items.push(value);
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c == 0x2c) continue;
      if (c == 0x5d) break;
      this.pos--;
      return this.fail("expected ',' or ']' in an array, found " + this.describe());
    }
    this.depth--;
    return JsonValue.array(items);
  }

  /** Reads a string literal at `pos` (which is a double quote). */
  private string(): string | null {
    const text = this.text;
    const n = text.length;
    this.pos++; // opening quote
    let parts: string[] | null = null;
    let run = this.pos;
    while (true) {
      if (this.pos >= n) {
        this.fail("unterminated string");
        return null;
      }
      const c = text.charCodeAt(this.pos);
      if (c == 0x22) {
        const tail = text.substring(run, this.pos);
        this.pos++;
        if (parts === null) return tail;
        parts.push(tail);
        return parts.join("");
      }
      if (c < 0x20) {
        this.fail("unescaped control character U+00" + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15) + " in a string");
        return null;
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      // An escape: flush the run before it.
      if (parts === null) parts = new Array<string>();
      parts.push(text.substring(run, this.pos));
      this.pos++;
      const e = text.charCodeAt(this.pos);
      this.pos++;
      if (e == 0x22) parts.push('"');
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x75) {
        // \uXXXX: one UTF-16 code unit. A surrogate pair is two escapes, which simply
        // concatenate into the pair; a lone surrogate is kept as JSON.parse keeps it.
        let code = 0;
        for (let k = 0; k < 4; k++) {
          const h = hexValue(text.charCodeAt(this.pos));
          if (h < 0) {
            this.fail("\\u must be followed by four hex digits");
            return null;
          }
          code = (code << 4) | h;
          this.pos++;
        }
        parts.push(String.fromCharCode(code));
      } else {
        this.pos -= 1;
        this.fail("invalid escape \\" + (this.pos < n ? text.charAt(this.pos) : "") + " in a string");
        return null;
      }
      run = this.pos;
    }
  }

  private number(): JsonValue | null {
    const text = this.text;
    const start = this.pos;
    const negative = this.peek() == 0x2d;
    if (negative) this.pos++;
    const first = this.peek();
    let integer: i64 = 0; // the value of the integer part while it has at most 15 digits
    if (first == 0x30) {
      this.pos++;
      if (isDigit(this.peek())) return this.fail("a number must not have leading zeros");
    } else if (isDigit(first)) {
      while (isDigit(this.peek())) {
        integer = integer * 10 + <i64>(this.peek() - 0x30);
        this.pos++;
      }
    } else {
      return this.fail("expected a digit, found " + this.describe());
    }
    const c = this.peek();
    const digits = this.pos - start - (negative ? 1 : 0);
    if (c != 0x2e && c != 0x65 && c != 0x45 && digits <= 15 && !(negative && integer == 0)) {
      // A plain integer: no need to keep its text (it is written back the same).
      const v = new JsonValue(JsonKind.Number);
      v._num = <f64>(negative ? -integer : integer);
      return v;
    }
    if (this.peek() == 0x2e) {
      this.pos++;
      if (!isDigit(this.peek())) return this.fail("expected a digit after '.', found " + this.describe());
      while (isDigit(this.peek())) this.pos++;
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      this.pos++;
      const sign = this.peek();
      if (sign == 0x2b || sign == 0x2d) this.pos++;
      if (!isDigit(this.peek())) return this.fail("expected a digit in the exponent, found " + this.describe());
      while (isDigit(this.peek())) this.pos++;
    }
    const raw = text.substring(start, this.pos);
    const v = new JsonValue(JsonKind.Number);
    v._text = raw;
    v._num = f64.parse(raw);
    return v;
  }
}
