/** What the embedder's outbound hook is told about a plugin's request. */
export interface OutboundContext {
  /** The plugin making the request. */
  readonly plugin: string;
  /** The host it goes to (lowercase, no port). */
  readonly host: string;
  /** The plugin.json `allowedHosts` pattern that let it through. */
  readonly rule: string;
  /**
   * Headers the engine removed from the plugin's request (`cookie`, `authorization`, ...: no
   * credentials from a plugin). The hook may put any of them back on the request it sends.
   */
  readonly removedHeaders: Headers;
}

/**
 * The embedder's outbound hook: every HTTP request a plugin makes goes through it (the way
 * Cloudflare's Dynamic Workers route a worker's outbound traffic). It may add credentials for
 * a host, log, rewrite, answer itself, or refuse by throwing (a `ThreadspaceError` keeps its
 * code; anything else is `http_failed`). Default: `fetch(request)`.
 *
 * @example
 * createEngine({ http: { fetch: (request, { host }) => {
 *   if (host === "api.example.com") request.headers.set("authorization", `Bearer ${token}`);
 *   return fetch(request);
 * } } });
 */
export type OutboundFetch = (request: Request, context: OutboundContext) => Promise<Response>;

/** `createEngine({ http })`: how plugins' HTTP requests (Extism `http_request`) are served. */
export interface EngineHttpOptions {
  /** The outbound hook; see {@link OutboundFetch}. */
  readonly fetch?: OutboundFetch;
  /**
   * The embedder's grant of hosts, narrowing plugin.json's `allowedHosts`: a list of patterns
   * for every plugin, or a function giving each plugin's list. A request must match both.
   * Default: plugin.json's list as it is (with the `http` permission granted).
   */
  readonly allowedHosts?: readonly string[] | ((plugin: string) => readonly string[]);
  /** Largest response body a plugin may receive, in bytes (default 4 MiB). */
  readonly maxHttpResponseBytes?: number;
  /** Largest request body a plugin may send, in bytes (default 1 MiB). */
  readonly maxRequestBodyBytes?: number;
  /** Most HTTP requests in one plugin call (default 16). */
  readonly requestsPerCall?: number;
  /** Longest one request may take, in ms (default 10 s; the call's own deadline counts too). */
  readonly timeoutMs?: number;
  /** Most redirects followed per request, each checked against the allowed hosts (default 5). */
  readonly maxRedirects?: number;
}

/** {@link EngineHttpOptions} with every default filled in. */
export interface ResolvedHttpOptions {
  readonly fetch: OutboundFetch;
  readonly allowedHosts: ((plugin: string) => readonly string[]) | undefined;
  readonly maxHttpResponseBytes: number;
  readonly maxRequestBodyBytes: number;
  readonly requestsPerCall: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
}

export const HTTP_DEFAULTS = {
  maxHttpResponseBytes: 4 * 1024 * 1024,
  maxRequestBodyBytes: 1024 * 1024,
  requestsPerCall: 16,
  timeoutMs: 10_000,
  maxRedirects: 5,
} as const;

const plainFetch: OutboundFetch = (request) => fetch(request);

/** Fills in the defaults of the engine's `http` options. */
export function resolveHttpOptions(options: EngineHttpOptions | undefined): ResolvedHttpOptions {
  const hosts = options?.allowedHosts;
  return {
    fetch: options?.fetch ?? plainFetch,
    allowedHosts: hosts === undefined ? undefined : typeof hosts === "function" ? hosts : () => hosts,
    maxHttpResponseBytes: options?.maxHttpResponseBytes ?? HTTP_DEFAULTS.maxHttpResponseBytes,
    maxRequestBodyBytes: options?.maxRequestBodyBytes ?? HTTP_DEFAULTS.maxRequestBodyBytes,
    requestsPerCall: options?.requestsPerCall ?? HTTP_DEFAULTS.requestsPerCall,
    timeoutMs: options?.timeoutMs ?? HTTP_DEFAULTS.timeoutMs,
    maxRedirects: options?.maxRedirects ?? HTTP_DEFAULTS.maxRedirects,
  };
}
