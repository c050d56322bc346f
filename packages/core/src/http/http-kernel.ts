import type { OutboundHttp, PluginHttpRequest, PluginHttpResponse } from "./outbound-http.ts";
import { httpFailed } from "./http-errors.ts";

/** The Extism kernel's HTTP imports (`extism:host/env`). */
export const HTTP_KERNEL_IMPORTS = ["http_request", "http_status_code", "http_headers"] as const;
/** Largest request description (`{"url", "method", "headers"}`) read from the plugin, in bytes. */
const MAX_REQUEST_JSON_BYTES = 64 * 1024;
/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The part of a call context the kernel functions use: Extism's CallContext, or a bridge worker's context. */
interface KernelContext {
  read(handle: bigint): { bytes(): Uint8Array } | null;
  store(value: string | Uint8Array): bigint;
}

/** True when a module's imports include Extism's `http_request`. */
export function importsHttp(imports: readonly WebAssembly.ModuleImportDescriptor[]): boolean {
  return imports.some((i) => i.module === "extism:host/env" && i.name === "http_request");
}

/** Reads the plugin's request description as Extism's kernel defines it: `{ url, method?, headers? }` (`header` also accepted). */
export function readPluginRequest(plugin: string, json: Uint8Array | undefined, body: Uint8Array | null): PluginHttpRequest {
  if (json === undefined) throw httpFailed(plugin, "the request handle does not name a block of memory.");
  if (json.byteLength > MAX_REQUEST_JSON_BYTES) throw httpFailed(plugin, `the request description is ${json.byteLength} bytes; the limit is ${MAX_REQUEST_JSON_BYTES}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(json));
  } catch (cause) {
    throw httpFailed(plugin, "the request description is not JSON ({ \"url\", \"method\", \"headers\" }).", cause);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw httpFailed(plugin, "the request description must be a JSON object.");
  const { url, method, headers, header } = parsed as Record<string, unknown>;
  if (typeof url !== "string") throw httpFailed(plugin, "the request description has no \"url\" string.");
  const given = headers ?? header;
  const flat: Record<string, string> = {};
  if (typeof given === "object" && given !== null && !Array.isArray(given)) {
    for (const [name, value] of Object.entries(given)) if (typeof value === "string") flat[name] = value;
  }
  return { url, method: typeof method === "string" ? method : "GET", headers: flat, body };
}

/**
 * Extism's HTTP kernel functions served by `http`, for a thread that cannot suspend the guest
 * itself (the engine's side of a bridge worker, where the worker waits): `http_request` is async,
 * the other two answer from the last response of this instance.
 */
export function httpKernelFunctions<C extends KernelContext>(plugin: string, http: OutboundHttp, deadline: (context: C) => number, callKey: (context: C) => unknown = () => undefined) {
  let last: PluginHttpResponse | undefined;
  return {
    http_request: async (context: C, request: bigint, body: bigint): Promise<bigint> => {
      last = undefined;
      const json = context.read(request)?.bytes();
      const bytes = body === 0n ? null : (context.read(body)?.bytes() ?? null);
      last = await http.request(readPluginRequest(plugin, json, bytes), deadline(context), callKey(context));
      return context.store(last.body);
    },
    http_status_code: (): number => last?.status ?? 0,
    http_headers: (context: C): bigint => (last === undefined ? 0n : context.store(JSON.stringify(last.headers))),
  };
}

/**
 * A `fetch` for @extism/extism's own HTTP context (what it uses where the runtime has JSPI): every
 * request goes through `http`, and the answer comes back as a Response already read within the cap.
 */
export function extismFetch(plugin: string, http: OutboundHttp, deadline: () => number): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    const body = init?.body instanceof Uint8Array ? init.body : null;
    const answer = await http.request({ url, method: init?.method ?? "GET", headers, body }, deadline());
    return toResponse(plugin, answer);
  };
}

/** A Response carrying what the plugin may see. */
export function toResponse(plugin: string, answer: PluginHttpResponse): Response {
  const init = { status: answer.status, headers: answer.headers };
  if (answer.status < 200 || answer.status > 599) {
    // The Response constructor refuses these; the plugin still gets the status through http_status_code.
    throw httpFailed(plugin, `the server answered with status ${answer.status}, which cannot be passed on.`);
  }
  return new Response(NULL_BODY.has(answer.status) ? null : (answer.body as Uint8Array<ArrayBuffer>), init);
}
