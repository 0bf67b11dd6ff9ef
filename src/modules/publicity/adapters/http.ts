/**
 * The HTTP adapter of the platform contract (/work/shared/platform-api.md): one class for every platform,
 * with the auth style (token | hmac), base URL, credentials, batch size, time-out and field map from its
 * PlatformConfig. Each call is one HTTP request (plus, under token auth, at most one token refresh and one
 * repeat): retries, backoff and circuit breaking belong to the delivery engine.
 *
 * Nothing secret is logged or put in an error: log lines carry method, path, status, duration and record count.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import axios, { type AxiosInstance } from 'axios';
import { logger } from '../../../lib/logger.js';
import { KIND_PATH, toStandard, type RecordKind } from '../../records/fields.js';
import type { PlatformConfig } from '../platforms.js';
import { HmacAuth, TokenAuth, type AuthStrategy, type IssuedToken, type SignedHeaders } from './auth.js';
import {
  PlatformError,
  type EntryResult,
  type EntryStatus,
  type FeedbackItem,
  type PlatformAdapter,
  type SubmitEntry,
  type SubmitResult,
} from './types.js';

/** Contract limits: records per batch and bytes per request body. */
export const MAX_BATCH_RECORDS = 100;
export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_FEEDBACK_LIMIT = 500;
/** Bound on a response body (a feedback page of 500 items is far below it). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** When a 429/503 carries no usable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;
const MAX_RETRY_AFTER_MS = 24 * 3600_000;
const EMPTY = Buffer.alloc(0);
const ENTRY_STATUSES: readonly EntryStatus[] = ['accepted', 'duplicate', 'stale', 'rejected'];

export interface AdapterOptions {
  /** Clock (ms since epoch) for token expiry and HMAC timestamps; tests may replace it. */
  now?: () => number;
}

/** One record of a batch as sent. */
interface WireRecord {
  recordId: string;
  version: number;
  op: SubmitEntry['op'];
  data?: Record<string, unknown>;
  reason?: string;
}

interface Reply {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

type Json = Record<string, unknown>;

export function createAdapter(cfg: PlatformConfig, opts: AdapterOptions = {}): PlatformAdapter {
  return new HttpPlatformAdapter(cfg, opts);
}

class HttpPlatformAdapter implements PlatformAdapter {
  readonly id: string;
  readonly configured: boolean;
  private readonly base: string;
  private readonly batchLimit: number;
  private readonly timeoutMs: number;
  private readonly fieldMap: Record<string, string>;
  private readonly now: () => number;
  /** Keep-alive pools; idle sockets are dropped after 4 s, before a server's usual 5 s keep-alive time-out closes them under us. */
  private readonly agents = { http: new http.Agent({ keepAlive: true, timeout: 4000 }), https: new https.Agent({ keepAlive: true, timeout: 4000 }) };
  private readonly client: AxiosInstance;
  private readonly auth: AuthStrategy;

  constructor(cfg: PlatformConfig, opts: AdapterOptions) {
    this.id = cfg.id;
    this.configured = Boolean(cfg.url && cfg.appId && cfg.appSecret);
    this.base = (cfg.url ?? '').replace(/\/+$/, '');
    this.batchLimit = Math.min(cfg.batchSize, MAX_BATCH_RECORDS);
    this.timeoutMs = cfg.timeoutMs;
    this.fieldMap = cfg.fieldMap ?? {};
    this.now = opts.now ?? Date.now;
    this.client = axios.create({
      timeout: cfg.timeoutMs,
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: MAX_RESPONSE_BYTES,
      maxBodyLength: MAX_BODY_BYTES,
      responseType: 'text',
      // The body is serialised (and signed) by us: send those bytes untouched; parse answers ourselves.
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
    });
    const appId = cfg.appId ?? '';
    const appSecret = cfg.appSecret ?? '';
    this.auth = cfg.auth === 'hmac' ? new HmacAuth(appId, appSecret, this.now) : new TokenAuth(() => this.fetchToken(appId, appSecret), this.now);
  }

  async submit(kind: RecordKind, entries: SubmitEntry[]): Promise<SubmitResult> {
    this.assertConfigured();
    if (entries.length > this.batchLimit) {
      throw new PlatformError('badRequest', `每批最多 ${this.batchLimit} 条记录，本批 ${entries.length} 条`);
    }
    if (entries.length === 0) return { batchId: randomUUID(), results: [] };
    const parts = await this.postBatch(kind, entries.map((e) => this.toWire(kind, e)));
    return { batchId: parts[0].batchId, results: parts.flatMap((p) => p.results) };
  }

  async feedback(cursor: string | null, limit: number): Promise<{ items: FeedbackItem[]; nextCursor: string | null }> {
    this.assertConfigured();
    const query = new URLSearchParams();
    if (cursor) query.set('cursor', cursor);
    query.set('limit', String(Math.max(1, Math.min(MAX_FEEDBACK_LIMIT, Math.trunc(limit) || MAX_FEEDBACK_LIMIT))));
    const reply = await this.call('GET', `/api/v1/sgs/feedback?${query}`, EMPTY);
    const page = parseFeedback(parseJson(reply.text));
    if (!page) throw malformed();
    // A platform that answers without a cursor has nothing newer: keep polling from where we are.
    return { items: page.items, nextCursor: page.nextCursor ?? cursor };
  }

  /** Frees the keep-alive sockets (tests and graceful shutdown). */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private assertConfigured(): void {
    if (!this.configured) throw new PlatformError('transient', '平台未配置');
  }

  /** Internal names → the standard's codes (unpublished fields dropped) → this platform's names. */
  private toWire(kind: RecordKind, e: SubmitEntry): WireRecord {
    const base = { recordId: e.recordId, version: e.version, op: e.op };
    if (e.op === 'withdraw') return e.reason === undefined ? base : { ...base, reason: e.reason };
    const data: Record<string, unknown> = {};
    for (const [code, value] of Object.entries(toStandard(kind, e.data ?? {}))) data[this.fieldMap[code] ?? code] = value;
    return { ...base, data };
  }

  /**
   * Posts one batch; a batch whose body would exceed the contract's 1 MiB is halved until each part fits
   * (consecutive requests; resending is idempotent, so a failure part-way is safe to retry as a whole).
   */
  private async postBatch(kind: RecordKind, records: WireRecord[]): Promise<SubmitResult[]> {
    const batchId = randomUUID();
    const body = Buffer.from(JSON.stringify({ batchId, records }), 'utf8');
    if (body.length > MAX_BODY_BYTES) {
      if (records.length === 1) throw new PlatformError('badRequest', `记录 ${records[0].recordId} 超过接口单批 1 MiB 的上限`);
      const half = Math.ceil(records.length / 2);
      return [...(await this.postBatch(kind, records.slice(0, half))), ...(await this.postBatch(kind, records.slice(half)))];
    }
    const reply = await this.call('POST', `/api/v1/sgs/${KIND_PATH[kind]}/batch`, body, records.length);
    const results = parseResults(parseJson(reply.text), batchId, records);
    if (!results) throw malformed();
    return [{ batchId, results }];
  }

  /**
   * One authenticated call: a 401 under token auth drops the token and repeats the call once with a new one;
   * any other non-2xx answer becomes a PlatformError.
   */
  private async call(method: 'GET' | 'POST', path: string, body: Buffer, records?: number): Promise<Reply> {
    for (let refreshed = false; ; refreshed = true) {
      const { reply, signed } = await this.exchange(method, path, body, records, () => this.auth.headers({ method, path, body }));
      if (reply.status === 401 || reply.status === 403) {
        const repeat = reply.status === 401 && this.auth.refused(signed);
        if (repeat && !refreshed) continue;
        throw new PlatformError('auth', `平台拒绝了认证（HTTP ${reply.status}${detailOf(reply.text)}）`, reply.status);
      }
      if (reply.status >= 200 && reply.status < 300) return reply;
      throw this.statusError(reply);
    }
  }

  /**
   * Signs and sends a request. A pooled keep-alive connection that the server had already closed fails at once
   * with a reset: that request is repeated once on a new connection, signed afresh (new nonce). Repeating is
   * safe even if the platform did see it, since delivery is idempotent on (recordId, version).
   */
  private async exchange(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer,
    records: number | undefined,
    sign: () => Promise<SignedHeaders>,
  ): Promise<{ reply: Reply; signed: SignedHeaders }> {
    for (let reconnected = false; ; reconnected = true) {
      const signed = await sign();
      try {
        return { reply: await this.send(method, path, body, signed.headers, records), signed };
      } catch (err) {
        if (err instanceof StaleConnectionError && !reconnected) continue;
        throw err;
      }
    }
  }

  private async fetchToken(appId: string, appSecret: string): Promise<IssuedToken> {
    const body = Buffer.from(JSON.stringify({ appId, appSecret }), 'utf8');
    const { reply } = await this.exchange('POST', '/auth/token', body, undefined, async () => ({ headers: {} }));
    if (reply.status === 400 || reply.status === 401 || reply.status === 403) {
      throw new PlatformError('auth', `平台拒绝了应用凭据（HTTP ${reply.status}${detailOf(reply.text)}）`, reply.status);
    }
    if (reply.status !== 200) throw this.statusError(reply);
    const json = parseJson(reply.text);
    const accessToken = json?.access_token;
    const expiresIn = json?.expires_in;
    if (typeof accessToken !== 'string' || !accessToken || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      throw new PlatformError('transient', '平台返回的令牌格式不符合接口规范', reply.status);
    }
    return { accessToken, expiresInSec: expiresIn };
  }

  private statusError(reply: Reply): PlatformError {
    const { status } = reply;
    if (status === 429 || status === 503) {
      const ms = retryAfterMs(reply.retryAfter, this.now());
      const what = status === 429 ? '平台限流' : '平台暂不可用';
      return new PlatformError('retryAfter', `${what}（HTTP ${status}），${Math.ceil(ms / 1000)} 秒后重试`, status, ms);
    }
    if (status === 400) return new PlatformError('badRequest', `平台认为批次格式有误（HTTP 400${detailOf(reply.text)}）`, status);
    if (status === 413) return new PlatformError('badRequest', `批次过大，平台拒收（HTTP 413${detailOf(reply.text)}）`, status);
    if (status >= 500) return new PlatformError('transient', `平台内部错误（HTTP ${status}），批次可能已存储`, status);
    return new PlatformError('transient', `平台返回了意外的状态（HTTP ${status}）`, status);
  }

  /** One HTTP exchange. Network failures and time-outs become PlatformError('transient'). */
  private async send(method: 'GET' | 'POST', path: string, body: Buffer, headers: Record<string, string>, records?: number): Promise<Reply> {
    const started = performance.now();
    const logPath = path.split('?')[0];
    const meta = () => ({ platform: this.id, method, path: logPath, durationMs: Math.round(performance.now() - started), ...(records === undefined ? {} : { records }) });
    // Hard deadline for the whole exchange (axios' own time-out watches the socket); cleared when done.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    try {
      const res = await this.client.request<string>({
        method,
        url: this.base + path,
        data: method === 'GET' ? undefined : body,
        headers: { ...headers, Accept: 'application/json', ...(method === 'GET' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }) },
        signal: deadline.signal,
      });
      logger.debug('platform call', { ...meta(), status: res.status });
      const retryAfter = res.headers['retry-after'];
      return { status: res.status, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, text: typeof res.data === 'string' ? res.data : '' };
    } catch (err) {
      if (!axios.isAxiosError(err) && !axios.isCancel(err)) throw err;
      const stale = reusedSocketReset(err);
      logger.debug('platform call failed', { ...meta(), error: errorCode(err), ...(stale ? { reusedConnection: true } : {}) });
      if (stale) throw new StaleConnectionError('transient', '与平台的连接被中断，批次可能已存储');
      throw networkError(err, this.timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Milliseconds to wait from a Retry-After header: delta-seconds or an HTTP-date; default 30 s. */
export function retryAfterMs(header: string | undefined, now: number): number {
  const v = header?.trim();
  let ms: number = Number.NaN;
  if (v && /^\d+(\.\d+)?$/.test(v)) ms = Number(v) * 1000;
  else if (v) ms = Date.parse(v) - now;
  if (Number.isNaN(ms)) return DEFAULT_RETRY_AFTER_MS;
  return Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)));
}

function parseJson(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

const optionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';
const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The per-record answers of a 200, or undefined when they are not one per record, in order. */
function parseResults(json: Json | undefined, batchId: string, sent: WireRecord[]): EntryResult[] | undefined {
  if (!json || !Array.isArray(json.results) || json.results.length !== sent.length) return undefined;
  if (json.batchId !== undefined && json.batchId !== batchId) return undefined;
  const out: EntryResult[] = [];
  for (const [i, raw] of (json.results as unknown[]).entries()) {
    if (raw === null || typeof raw !== 'object') return undefined;
    const r = raw as Json;
    const status = r.status as EntryStatus;
    if (r.recordId !== sent[i].recordId || r.version !== sent[i].version || !ENTRY_STATUSES.includes(status)) return undefined;
    if (!optionalString(r.receiptId) || !optionalString(r.code) || !optionalString(r.field) || !optionalString(r.message)) return undefined;
    if (status === 'accepted' && !r.receiptId) return undefined;
    const result: EntryResult = { recordId: sent[i].recordId, version: sent[i].version, status };
    if (r.receiptId) result.receiptId = r.receiptId;
    if (status === 'rejected') {
      if (r.code) result.code = r.code;
      if (r.field) result.field = r.field;
      result.message = r.message || '平台未说明拒收原因';
    }
    out.push(result);
  }
  return out;
}

function parseFeedback(json: Json | undefined): { items: FeedbackItem[]; nextCursor: string | null | undefined } | undefined {
  if (!json || !Array.isArray(json.items)) return undefined;
  if (json.nextCursor !== undefined && json.nextCursor !== null && typeof json.nextCursor !== 'string') return undefined;
  const items: FeedbackItem[] = [];
  for (const raw of json.items as unknown[]) {
    if (raw === null || typeof raw !== 'object') return undefined;
    const r = raw as Json;
    if (typeof r.recordId !== 'string' || !r.recordId || !isVersion(r.version) || (r.status !== 'published' && r.status !== 'rejected') || typeof r.at !== 'string') return undefined;
    if (!optionalString(r.receiptId) || !optionalString(r.code) || !optionalString(r.message)) return undefined;
    const item: FeedbackItem = { recordId: r.recordId, version: r.version, status: r.status, at: r.at };
    if (r.receiptId) item.receiptId = r.receiptId;
    if (r.code) item.code = r.code;
    if (r.message) item.message = r.message;
    items.push(item);
  }
  return { items, nextCursor: json.nextCursor as string | null | undefined };
}

/** A reset of a pooled connection (the server had closed it while idle): repeated once on a new connection. */
class StaleConnectionError extends PlatformError {}

function reusedSocketReset(err: unknown): boolean {
  const code = errorCode(err);
  const request = (err as { request?: { reusedSocket?: unknown } }).request;
  return (code === 'ECONNRESET' || code === 'EPIPE') && request?.reusedSocket === true;
}

function malformed(): PlatformError {
  return new PlatformError('transient', '平台应答不符合接口规范', 200);
}

/**
 * The platform's own `code`/`message` of an error answer, for the operator: bounded, one line, and with
 * long opaque strings (tokens, signatures a platform might echo) redacted.
 */
function detailOf(text: string): string {
  const json = parseJson(text);
  const parts = [json?.code, json?.message].filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (!parts.length) return '';
  const detail = parts
    .join(' ')
    .replace(/[\u0000-\u001f]+/g, ' ')
    .replace(/[A-Za-z0-9+/=_.-]{24,}/g, '***')
    .slice(0, 200);
  return `：${detail}`;
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown };
  return typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'unknown';
}

function networkError(err: unknown, timeoutMs: number): PlatformError {
  const code = errorCode(err);
  const message = (err as { message?: unknown })?.message;
  const text = typeof message === 'string' ? message : '';
  let what: string;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED' || code === 'TimeoutError' || /timeout/i.test(text)) {
    what = `平台在 ${timeoutMs} 毫秒内未应答（超时），批次可能已存储`;
  } else if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(text)) {
    what = '与平台的连接被中断，批次可能已存储';
  } else if (code === 'ECONNREFUSED') {
    what = '平台拒绝连接';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    what = '无法解析平台地址';
  } else if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/i.test(text)) {
    what = '平台应答过大';
  } else {
    what = `无法与平台通信（${code}）`;
  }
  return new PlatformError('transient', what);
}
