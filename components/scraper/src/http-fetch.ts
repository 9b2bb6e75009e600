/**
 * Fetching a source document over http(s) or from a `file:` URL: a deadline per attempt covering headers
 * and body (a slow drip cannot hold us), retries with exponential backoff and jitter for transient
 * failures, conditional requests (ETag / Last-Modified; a 304 reuses the cached body), a size limit,
 * a content-type check, a redirect limit and a User-Agent naming the project.
 */
import type http from 'node:http';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock, FileSystem } from '../../shared/ports/index.ts';
import { FetchError } from './errors.ts';

/** Limits and manners of one fetch. */
export interface FetchPolicy {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly userAgent: string;
  /** Accepted media types (`text/calendar`); anything else fails. */
  readonly contentTypes: readonly string[];
}

/** A fetched document and its validators. */
export interface Fetched {
  readonly body: string;
  readonly notModified: boolean;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
}

/** Fetches documents; keeps the last body and validators per URL for conditional requests. */
export class DocumentFetcher {
  private readonly cache = new Map<string, Fetched>();
  private http: typeof import('node:http') | undefined;
  private https: typeof import('node:https') | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly fs: FileSystem,
    /** Relative `file:` URLs resolve against this folder (the component's work folder, its CWD). */
    private readonly baseDir: string,
    private readonly random: () => number = Math.random,
  ) {}

  async fetch(url: string, policy: FetchPolicy): Promise<Fetched> {
    if (url.startsWith('file:')) return this.readFile(url, policy);
    // Loaded on first use: a device reading only local files never pays for TLS.
    this.http ??= await import('node:http');
    if (url.startsWith('https:') || policy.maxRedirects > 0) this.https ??= await import('node:https');
    let attempt = 0;
    for (;;) {
      try {
        const result = await this.fetchHttp(url, policy, this.cache.get(url));
        this.cache.set(url, { ...result, notModified: false });
        return result;
      } catch (error) {
        if (!(error instanceof FetchError) || !error.retryable || attempt >= policy.retries) throw error;
        const backoff = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** attempt);
        await this.sleep(backoff * (0.5 + this.random() * 0.5));
        attempt++;
      }
    }
  }

  /** Forgets cached bodies (a configuration change may point a URL at another parser). */
  clear(): void {
    this.cache.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((done) => this.clock.setTimer(ms, done));
  }

  private async readFile(url: string, policy: FetchPolicy): Promise<Fetched> {
    const rest = url.slice('file:'.length);
    const path = rest.startsWith('/') ? fileURLToPath(url) : resolve(this.baseDir, decodeURIComponent(rest));
    if (!isAbsolute(path)) throw new FetchError(url, `Expected a file path, got \`${rest}\``, false);
    const data = await this.fs.readFile(path);
    if (data === undefined) throw new FetchError(url, `File not found: ${path}`, false);
    if (data.byteLength > policy.maxBytes) {
      throw new FetchError(
        url,
        `Expected at most ${policy.maxBytes} bytes, got ${data.byteLength} in ${path}`,
        false,
      );
    }
    return { body: new TextDecoder().decode(data), notModified: false };
  }

  private fetchHttp(url: string, policy: FetchPolicy, cached: Fetched | undefined): Promise<Fetched> {
    return new Promise<Fetched>((resolvePromise, reject) => {
      let settled = false;
      let current: http.ClientRequest | undefined;
      const finish = (error: FetchError | undefined, value?: Fetched) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        if (error) {
          current?.destroy();
          reject(error);
        } else resolvePromise(value!);
      };
      const timer = this.clock.setTimer(policy.timeoutMs, () =>
        finish(new FetchError(url, `No complete response from ${url} within ${policy.timeoutMs} ms`, true)),
      );
      const get = (target: string, redirectsLeft: number) => {
        let parsed: URL;
        try {
          parsed = new URL(target);
        } catch (cause) {
          return finish(new FetchError(url, `Expected a valid URL, got \`${target}\``, false, { cause }));
        }
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
          return finish(new FetchError(url, `Expected an http(s) URL, got \`${parsed.protocol}\``, false));
        }
        const headers: Record<string, string> = {
          'user-agent': policy.userAgent,
          accept: `${policy.contentTypes.join(', ')};q=1, */*;q=0.1`,
          'accept-encoding': 'identity',
        };
        if (cached?.etag) headers['if-none-match'] = cached.etag;
        if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
        const lib = parsed.protocol === 'https:' ? this.https : this.http;
        if (!lib) return finish(new FetchError(url, `No client loaded for ${parsed.protocol}`, false));
        current = lib.get(parsed, { headers }, (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400 && status !== 304) {
            res.resume();
            const location = res.headers.location;
            if (!location) return finish(new FetchError(url, `Redirect ${status} without a Location`, false));
            if (redirectsLeft <= 0) {
              return finish(
                new FetchError(url, `Expected at most ${policy.maxRedirects} redirects, got more`, false),
              );
            }
            return get(new URL(location, parsed).toString(), redirectsLeft - 1);
          }
          if (status === 304) {
            res.resume();
            if (!cached) return finish(new FetchError(url, '304 Not Modified without a cached body', false));
            return finish(undefined, { ...cached, notModified: true });
          }
          if (status !== 200) {
            res.resume();
            const retryable = status >= 500 || status === 429 || status === 408;
            return finish(new FetchError(url, `Expected HTTP 200 from ${url}, got ${status}`, retryable));
          }
          const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (!policy.contentTypes.includes(type)) {
            res.resume();
            return finish(
              new FetchError(
                url,
                `Expected content type ${policy.contentTypes.join(' or ')}, got \`${type || 'none'}\``,
                false,
              ),
            );
          }
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > policy.maxBytes) {
            res.destroy();
            return finish(
              new FetchError(
                url,
                `Expected at most ${policy.maxBytes} bytes, got ${declared} declared`,
                false,
              ),
            );
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > policy.maxBytes) {
              res.destroy();
              finish(new FetchError(url, `Expected at most ${policy.maxBytes} bytes, got more`, false));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (cause) =>
            finish(new FetchError(url, `Response from ${url} failed: ${cause.message}`, true, { cause })),
          );
          res.on('end', () => {
            const charset = /charset=([^;]+)/i
              .exec(res.headers['content-type'] ?? '')?.[1]
              ?.trim()
              .replace(/"/g, '');
            let decoder: InstanceType<typeof TextDecoder>;
            try {
              decoder = new TextDecoder(charset ?? 'utf-8');
            } catch {
              decoder = new TextDecoder('utf-8');
            }
            finish(undefined, {
              body: decoder.decode(Buffer.concat(chunks)),
              notModified: false,
              etag: headerText(res.headers.etag),
              lastModified: headerText(res.headers['last-modified']),
            });
          });
        });
        current.on('error', (cause) =>
          finish(new FetchError(url, `Request to ${url} failed: ${cause.message}`, true, { cause })),
        );
      };
      get(url, policy.maxRedirects);
    });
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
