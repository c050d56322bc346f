import { describe, expect, test } from "vitest";
import { hexLines } from "./hex-view.ts";

describe("hex dump", () => {
  test("offset, two groups of eight bytes, printable text; a cut says how much is left", () => {
    const bytes = new TextEncoder().encode("Hello, World!\n\u0000xyz");
    expect(hexLines(bytes)).toEqual([
      "00000000  48 65 6c 6c 6f 2c 20 57  6f 72 6c 64 21 0a 00 78  |Hello, World!..x|",
      "00000010  79 7a                                             |yz|",
    ]);
    expect(hexLines(new Uint8Array(40), 16)).toEqual(["00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|", "… 24 more bytes"]);
    expect(hexLines(new Uint8Array(0))).toEqual([]);
  });
});
