import { ThreadspaceError, isThreadspaceError, messageOf } from "@threadspace/errors";
import { httpDeadline, httpFailed, httpRefused } from "./http-errors.ts";
import { matchingPattern } from "./host-patterns.ts";
import type { ResolvedHttpOptions } from "./http-options.ts";
import { readBodyWithin } from "../platform/read-response.ts";

/** A request as a plugin makes it through Extism's `http_request`. */
export interface PluginHttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | null;
}

/** What the plugin gets back: status, headers (no cookies) and the body, read within the cap. */
export interface PluginHttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

/** Request headers a plugin may not send (credentials, hop-by-hop, the host): the hook may put them back. */
const FORBIDDEN_REQUEST_HEADERS = new Set(["cookie", "cookie2", "authorization", "proxy-authorization", "host", "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "proxy-connection"]);
/** Response headers a plugin never sees. */
const HIDDEN_RESPONSE_HEADERS = new Set(["set-cookie", "set-cookie2"]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const METHOD = /^[A-Za-z]{1,16}$/;

/** Whether `new Request(..., { credentials: "omit" })` works here (workerd refuses the field; it has no cookie jar to omit). */
let credentialsField: boolean | undefined;
function requestInit(init: RequestInit): RequestInit {
  if (credentialsField === undefined) {
    try {
      new Request("http://localhost/", { credentials: "omit" });
      credentialsField = true;
    } catch {
      credentialsField = false;
    }
  }
  return credentialsField ? { ...init, credentials: "omit" } : init;
}

/** Who may be asked and what is allowed, for one plugin. */
export interface OutboundHttpScope {
  readonly plugin: string;
  /** plugin.json `allowedHosts`. */
  readonly allowedHosts: readonly string[];
  /** Whether the plugin holds the `http` permission now (checked on every request). */
  readonly granted: () => boolean;
  /** Appends a line to the plugin's log (refusals and failures are logged there too). */
  readonly log?: (level: "warn" | "error", text: string) => void;
}

/**
 * One plugin's outbound HTTP: checks the permission, the hosts (plugin.json's `allowedHosts`,
 * narrowed by the embedder's grant), the caps and the call's deadline, then sends the request
 * through the embedder's outbound hook with no ambient credentials (`credentials: "omit"`, no
 * cookie or authorization header from the plugin) and follows redirects itself, checking each
 * target. Every refusal or failure throws a `ThreadspaceError` naming the host and the rule.
 */
export class OutboundHttp {
  readonly #scope: OutboundHttpScope;
  readonly #options: ResolvedHttpOptions;
  #requests = 0;
  #callKey: unknown;

  constructor(scope: OutboundHttpScope, options: ResolvedHttpOptions) {
    this.#scope = scope;
    this.#options = options;
  }

  /** A new plugin call starts: its request count starts again (`key`: the call's identity, when known). */
  beginCall(key?: unknown): void {
    this.#requests = 0;
    this.#callKey = key;
  }

  /** Counts one request of the call `key` (a new key starts a new count). */
  #count(key: unknown): void {
    if (key !== undefined && key !== this.#callKey) this.beginCall(key);
    this.#requests += 1;
    if (this.#requests > this.#options.requestsPerCall) {
      throw new ThreadspaceError("limit_exceeded", `http_request: the call made more than ${this.#options.requestsPerCall} HTTP requests (createEngine({ http: { requestsPerCall } })).`, { plugin: this.#scope.plugin });
    }
  }

  /**
   * Makes one request. `deadline` (ms, `performance.now()` clock) is the plugin call's: the wait
   * counts against it. `key` identifies the call (for the per-call count).
   */
  async request(request: PluginHttpRequest, deadline = Infinity, key?: unknown): Promise<PluginHttpResponse> {
    try {
      return await this.#request(request, deadline, key);
    } catch (error) {
      if (isThreadspaceError(error)) this.#scope.log?.(error.code === "permission_denied" ? "warn" : "error", error.message);
      throw error;
    }
  }

  async #request(request: PluginHttpRequest, deadline: number, key: unknown): Promise<PluginHttpResponse> {
    const { plugin } = this.#scope;
    let url = this.#parseUrl(request.url);
    if (!this.#scope.granted()) throw httpRefused(plugin, `the request to ${url.hostname} needs the "http" permission, which ${plugin} was not granted.`);
    this.#count(key);
    if (!METHOD.test(request.method)) throw httpFailed(plugin, `"${request.method}" is not an HTTP method.`);
    let method = request.method.toUpperCase();
    let rule = this.#allowed(url, "");
    let body = method === "GET" || method === "HEAD" ? null : request.body;
    if (body !== null && body.byteLength > this.#options.maxRequestBodyBytes) {
      throw new ThreadspaceError("limit_exceeded", `http_request: the request body to ${url.hostname} is ${body.byteLength} bytes, more than the ${this.#options.maxRequestBodyBytes} allowed (createEngine({ http: { maxRequestBodyBytes } })).`, { plugin });
    }
    const headers = new Headers();
    const removed = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value !== "string") continue;
      try {
        (FORBIDDEN_REQUEST_HEADERS.has(name.toLowerCase()) ? removed : headers).append(name, value);
      } catch (cause) {
        throw httpFailed(plugin, `header "${name}" is not a valid HTTP header.`, cause);
      }
    }
    const timeout = Math.min(this.#options.timeoutMs, deadline - performance.now());
    if (timeout <= 0) throw httpDeadline(plugin, url.hostname);
    const byDeadline = deadline - performance.now() <= this.#options.timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    try {
      for (let redirects = 0; ; redirects++) {
        const response = await this.#send(url, method, headers, removed, body, rule, controller, byDeadline ? deadline : undefined, timeout);
        if (!REDIRECTS.has(response.status) && response.type !== "opaqueredirect") return await this.#read(response, url, controller, byDeadline ? deadline : undefined, timeout);
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get("location");
        if (response.type === "opaqueredirect" || location === null) throw httpFailed(plugin, `${url.hostname} answered with a redirect whose target this runtime does not show (a browser hides it), so it was not followed.`);
        if (redirects >= this.#options.maxRedirects) throw httpFailed(plugin, `more than ${this.#options.maxRedirects} redirects from ${request.url} (createEngine({ http: { maxRedirects } })).`);
        const next = this.#parseUrl(new URL(location, url).href);
        rule = this.#allowed(next, ` (a redirect from ${url.hostname})`);
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
          method = "GET";
          body = null;
        }
        url = next;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #parseUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (cause) {
      throw httpFailed(this.#scope.plugin, `"${String(raw).slice(0, 200)}" is not an absolute URL.`, cause);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw httpRefused(this.#scope.plugin, `${url.protocol} URLs are not served; only http: and https:.`);
    if (url.username !== "" || url.password !== "") throw httpRefused(this.#scope.plugin, `the URL to ${url.hostname} carries credentials; a plugin cannot send any.`);
    return url;
  }

  /** The plugin.json pattern that allows `url`'s host; throws `permission_denied` naming the host and the rule. */
  #allowed(url: URL, why: string): string {
    const { plugin, allowedHosts } = this.#scope;
    const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
    const rule = matchingPattern(host, allowedHosts);
    if (rule === undefined) {
      const listed = allowedHosts.length === 0 ? "plugin.json lists no allowedHosts" : `plugin.json allowedHosts is ${JSON.stringify(allowedHosts)}`;
      throw httpRefused(plugin, `${host}${why} is not an allowed host: ${listed}. Add the host to "allowedHosts" in plugin.json.`);
    }
    const granted = this.#options.allowedHosts?.(plugin);
    if (granted !== undefined && matchingPattern(host, granted) === undefined) {
      throw httpRefused(plugin, `${host}${why} matches plugin.json's "${rule}" but not the hosts the embedder granted (createEngine({ http: { allowedHosts } }): ${JSON.stringify(granted)}).`);
    }
    return rule;
  }

  async #send(url: URL, method: string, headers: Headers, removed: Headers, body: Uint8Array | null, rule: string, controller: AbortController, deadline: number | undefined, timeout: number): Promise<Response> {
    const { plugin } = this.#scope;
    const init = requestInit({ method, headers: new Headers(headers), redirect: "manual", signal: controller.signal, ...(body === null ? {} : { body: body.slice() }) });
    const request = new Request(url.href, init);
    try {
      return await this.#options.fetch(request, { plugin, host: url.hostname, rule, removedHeaders: new Headers(removed) });
    } catch (cause) {
      throw this.#failure(cause, url, controller, deadline, timeout);
    }
  }

  #failure(cause: unknown, url: URL, controller: AbortController, deadline: number | undefined, timeout: number): ThreadspaceError {
    const { plugin } = this.#scope;
    if (isThreadspaceError(cause)) return cause;
    if (controller.signal.aborted) return deadline !== undefined ? httpDeadline(plugin, url.hostname) : httpFailed(plugin, `${url.hostname} did not answer within ${Math.round(timeout)} ms (createEngine({ http: { timeoutMs } })).`, cause);
    return httpFailed(plugin, `the request to ${url.hostname} failed: ${messageOf(cause)}.`, cause);
  }

  /** Reads the body up to the cap (a larger one fails the request: its size is never held). */
  async #read(response: Response, url: URL, controller: AbortController, deadline: number | undefined, timeout: number): Promise<PluginHttpResponse> {
    const { plugin } = this.#scope;
    const cap = this.#options.maxHttpResponseBytes;
    const over = () => httpFailed(plugin, `the response from ${url.hostname} is larger than ${cap} bytes (createEngine({ http: { maxHttpResponseBytes } })).`);
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > cap) {
      await response.body?.cancel().catch(() => undefined);
      throw over();
    }
    let body: Uint8Array | null;
    try {
      body = await readBodyWithin(response, cap);
    } catch (cause) {
      throw this.#failure(cause, url, controller, deadline, timeout);
    }
    if (body === null) throw over();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!HIDDEN_RESPONSE_HEADERS.has(name)) headers[name] = value;
    });
    return { status: response.status, headers, body };
  }
}
