/**
 * Reads a fetch Response body, at most `maxBytes`: null (the stream cancelled) as soon as it
 * would pass them, so a larger body is never held. A read error rejects as it came.
 */
export async function readBodyWithin(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Reads a fetch Response body, refusing bodies larger than `maxBytes` without buffering them whole. */
export async function readResponse(response: Response, url: URL, maxBytes: number): Promise<Uint8Array> {
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText} for ${url.href}`);
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (declared > maxBytes) throw new Error(`${url.href} is ${declared} bytes, more than the ${maxBytes} allowed`);
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const body = await readBodyWithin(response, maxBytes);
  if (body === null) throw new Error(`${url.href} is larger than the ${maxBytes} bytes allowed`);
  return body;
}
