/**
 * Just enough of a browser for OAuth flows in tests: a cookie jar per host name (cookies ignore
 * ports, as in browsers) and manual redirects, so every hop can be inspected or tampered with.
 * Requests to the auth server go in-process through `app.request()`; everything else is real HTTP.
 */
export interface InProcessOrigin {
  origin: string;
  handle(request: Request): Promise<Response>;
}

export class TestBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  constructor(private readonly inProcess: InProcessOrigin[] = []) {}

  /** One request, no redirect following; cookies sent and stored. */
  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target);
    if (cookie) headers.set("Cookie", cookie);
    const request = new Request(target, { ...init, headers, redirect: "manual" });
    const local = this.inProcess.find((o) => o.origin === target.origin);
    const res = local ? await local.handle(request) : await fetch(request);
    this.store(target, res);
    return res;
  }

  /**
   * Follows redirects from `url` until a response is not a redirect or `stop(nextUrl)` is true;
   * returns the last response and the URL it was (or would be) fetched from.
   */
  async follow(
    url: string | URL,
    stop: (next: URL) => boolean = () => false,
    init: RequestInit = {},
  ): Promise<{ url: URL; res: Response | null }> {
    let current = new URL(url);
    let res = await this.request(current, init);
    for (let hop = 0; hop < 20; hop++) {
      const location = res.headers.get("Location");
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, res };
      current = new URL(location, current);
      if (stop(current)) return { url: current, res: null };
      res = await this.request(current);
    }
    throw new Error("too many redirects");
  }

  /** Puts cookies (a `name=value; …` header value) into the jar, as if `url` had set them. */
  addCookies(url: string | URL, header: string): void {
    const host = new URL(url).hostname;
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    for (const pair of header.split(";")) {
      const eq = pair.indexOf("=");
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    this.jar.set(host, cookies);
  }

  /** `name=value; …` for a host, as a browser would send it. */
  cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.hostname);
    return cookies ? [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") : "";
  }

  private store(url: URL, res: Response): void {
    let cookies = this.jar.get(url.hostname);
    if (!cookies) {
      cookies = new Map();
      this.jar.set(url.hostname, cookies);
    }
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k = "", v = ""] = a.trim().split("=");
        if (k.toLowerCase() === "max-age") return Number(v) <= 0;
        if (k.toLowerCase() === "expires") return new Date(v).getTime() < Date.now();
        return false;
      });
      if (expired || value === "") cookies.delete(name);
      else cookies.set(name, value);
    }
  }
}
