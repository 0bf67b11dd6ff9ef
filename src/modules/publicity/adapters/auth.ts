/**
 * Auth strategies of the platform contract (platform-api.md § Auth). The adapter asks its strategy for the
 * headers of each request (after serialising the body, so a signature covers the exact bytes sent) and
 * tells it when the platform answered 401.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';

export interface OutgoingRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/api/v1/sgs/permits/batch`. */
  path: string;
  /** The exact bytes sent (empty for GET). */
  body: Buffer;
}

/** Headers for one attempt; `credential` identifies what they carry (a token) so a 401 can invalidate exactly it. */
export interface SignedHeaders {
  headers: Record<string, string>;
  credential?: string;
}

export interface AuthStrategy {
  headers(req: OutgoingRequest): Promise<SignedHeaders>;
  /**
   * The platform answered 401 to a request carrying `signed`. Returns true when repeating the request
   * with fresh headers can help (a token was refreshed or is being refreshed), false otherwise.
   */
  refused(signed: SignedHeaders): boolean;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** X-Signature of the contract: lowercase hex HMAC-SHA256(appSecret, appId \n timestamp \n nonce \n sha256hex(rawBody)). */
export function hmacSignature(appSecret: string, appId: string, timestamp: string, nonce: string, rawBody: Buffer | string): string {
  return createHmac('sha256', appSecret).update(`${appId}\n${timestamp}\n${nonce}\n${sha256Hex(rawBody)}`).digest('hex');
}

/** HMAC signatures: a fresh timestamp and nonce on every request (repeats included). */
export class HmacAuth implements AuthStrategy {
  constructor(
    private readonly appId: string,
    private readonly appSecret: string,
    private readonly now: () => number,
  ) {}

  async headers(req: OutgoingRequest): Promise<SignedHeaders> {
    const timestamp = String(this.now());
    const nonce = randomUUID();
    return {
      headers: {
        'X-App-Id': this.appId,
        'X-Timestamp': timestamp,
        'X-Nonce': nonce,
        'X-Signature': hmacSignature(this.appSecret, this.appId, timestamp, nonce, req.body),
      },
    };
  }

  /** A refused signature (bad secret, clock off by more than 300 s) does not get better by signing again. */
  refused(): boolean {
    return false;
  }
}

export interface IssuedToken {
  accessToken: string;
  expiresInSec: number;
}

/**
 * Bearer tokens from `POST {base}/auth/token`: cached until shortly before expiry; concurrent requests share
 * one in-flight fetch. `fetchToken` performs the call (with the adapter's transport and error mapping).
 */
export class TokenAuth implements AuthStrategy {
  private cached: { token: string; renewAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<IssuedToken>,
    private readonly now: () => number,
  ) {}

  async headers(): Promise<SignedHeaders> {
    const token = await this.token();
    return { headers: { Authorization: `Bearer ${token}` }, credential: token };
  }

  /** Drops the refused token (unless a newer one replaced it meanwhile): the next request fetches a new one. */
  refused(signed: SignedHeaders): boolean {
    if (this.cached && this.cached.token === signed.credential) this.cached = undefined;
    return true;
  }

  private token(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return Promise.resolve(this.cached.token);
    this.inflight ??= this.fetchToken()
      .then(({ accessToken, expiresInSec }) => {
        const ttlMs = expiresInSec * 1000;
        // Renew a little early (10 % of the lifetime, at most a minute) so a token does not expire in flight.
        this.cached = { token: accessToken, renewAt: this.now() + ttlMs - Math.min(60_000, ttlMs / 10) };
        return accessToken;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
