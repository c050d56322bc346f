/** Bytes as a hex dump: offset, 16 bytes in hex, and their printable ASCII. */

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

/** The dump's lines; at most `maxBytes` bytes, then a line saying how many were left out. */
export function hexLines(bytes: Uint8Array, maxBytes = 4096): string[] {
  const lines: string[] = [];
  const end = Math.min(bytes.byteLength, maxBytes);
  for (let offset = 0; offset < end; offset += 16) {
    const row = bytes.subarray(offset, Math.min(offset + 16, end));
    const cells = [...row].map((byte) => hex(byte, 2));
    const text = [...row].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".")).join("");
    lines.push(`${hex(offset, 8)}  ${cells.slice(0, 8).join(" ").padEnd(23)}  ${cells.slice(8).join(" ").padEnd(23)}  |${text}|`);
  }
  if (bytes.byteLength > end) lines.push(`… ${bytes.byteLength - end} more bytes`);
  return lines;
}
