// ISO 8601 dates and durations, without the AssemblyScript Date class (its parser is narrower).

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: i64, month: i64, day: i64): i64 {
  const y = month <= 2 ? year - 1 : year;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = (153 * mp + 2) / 5 + day - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: i32, month: i32): i32 {
  if (month == 2) return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28;
  return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

/** Reads `count` decimal digits at `pos`, or -1. */
function digits(s: string, pos: i32, count: i32): i32 {
  if (pos + count > s.length) return -1;
  let v = 0;
  for (let i = 0; i < count; i++) {
    const c = s.charCodeAt(pos + i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Result of parseIsoDate: `ok` false when the text is not an ISO date. */
export class IsoDate {
  ok: bool = false;
  /** Milliseconds since the epoch (UTC). */
  ms: i64 = 0;
}

/**
 * Parses `YYYY-MM-DD`, optionally followed by `T` (or a space) and `HH:MM`, `:SS`, a fraction
 * of a second (1–9 digits), and `Z` or an offset `±HH:MM` / `±HHMM`. A time without a zone is
 * read as UTC. Anything else, including trailing text, is not a date.
 */
export function parseIsoDate(s: string): IsoDate {
  const out = new IsoDate();
  const n = s.length;
  if (n < 10 || n > 40) return out;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  if (year < 0 || s.charCodeAt(4) != 0x2d || month < 1 || month > 12 || s.charCodeAt(7) != 0x2d) return out;
  if (day < 1 || day > daysInMonth(year, month)) return out;
  let ms: i64 = daysFromCivil(year, month, day) * 86400000;
  let pos = 10;
  if (pos < n) {
    const sep = s.charCodeAt(pos);
    if (sep != 0x54 && sep != 0x74 && sep != 0x20) return out; // T t space
    const hour = digits(s, pos + 1, 2);
    const minute = digits(s, pos + 4, 2);
    if (hour < 0 || hour > 23 || s.charCodeAt(pos + 3) != 0x3a || minute < 0 || minute > 59) return out;
    ms += <i64>hour * 3600000 + <i64>minute * 60000;
    pos += 6;
    if (pos < n && s.charCodeAt(pos) == 0x3a) {
      const second = digits(s, pos + 1, 2);
      if (second < 0 || second > 60) return out;
      ms += <i64>second * 1000;
      pos += 3;
      if (pos < n && (s.charCodeAt(pos) == 0x2e || s.charCodeAt(pos) == 0x2c)) {
        pos++;
        let scale = 100;
        let count = 0;
        while (pos < n) {
          const c = s.charCodeAt(pos) - 0x30;
          if (c < 0 || c > 9) break;
          if (scale >= 1) ms += <i64>(c * scale);
          scale /= 10;
          pos++;
          count++;
        }
        if (count == 0 || count > 9) return out;
      }
    }
    if (pos < n) {
      const z = s.charCodeAt(pos);
      if (z == 0x5a || z == 0x7a) {
        pos++;
      } else if (z == 0x2b || z == 0x2d) {
        const oh = digits(s, pos + 1, 2);
        let om = -1;
        let end = 0;
        if (pos + 3 < n && s.charCodeAt(pos + 3) == 0x3a) {
          om = digits(s, pos + 4, 2);
          end = pos + 6;
        } else {
          om = digits(s, pos + 3, 2);
          end = pos + 5;
        }
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return out;
        const offset = <i64>oh * 3600000 + <i64>om * 60000;
        ms += z == 0x2b ? -offset : offset;
        pos = end;
      } else {
        return out;
      }
    }
  }
  if (pos != n) return out;
  out.ok = true;
  out.ms = ms;
  return out;
}

/** A duration for people: 250ms, 1.5s, 1m, 1m 30s, 2h, 1d 12h. Sub-second parts are dropped above a minute. */
export function humanDuration(ms: i64): string {
  if (ms < 0) return "-" + humanDuration(-ms);
  if (ms < 1000) return ms.toString() + "ms";
  if (ms < 60000) {
    if (ms % 1000 == 0) return (ms / 1000).toString() + "s";
    return (<f64>ms / 1000).toString() + "s";
  }
  const parts = new Array<string>();
  let rest = ms / 1000;
  const d = rest / 86400;
  rest -= d * 86400;
  const h = rest / 3600;
  rest -= h * 3600;
  const m = rest / 60;
  const s = rest - m * 60;
  if (d > 0) parts.push(d.toString() + "d");
  if (h > 0) parts.push(h.toString() + "h");
  if (m > 0) parts.push(m.toString() + "m");
  if (s > 0) parts.push(s.toString() + "s");
  return parts.join(" ");
}
