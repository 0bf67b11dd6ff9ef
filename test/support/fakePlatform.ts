/**
 * A local credit platform speaking /work/shared/platform-api.md over real HTTP (node:http on 127.0.0.1), for
 * adapter, engine, crash tests and benchmarks. In memory only: nothing is persisted.
 *
 * In-process:  const fake = await startFakePlatform({ auth: 'hmac' }); … await fake.stop();
 * Standalone:  node --import tsx test/support/fakePlatform.ts --port 0 --auth token
 *              prints one JSON line {"url","appId","appSecret","auth","pid"} on stdout; SIGTERM stops it.
 *
 * Besides the contract it answers (unauthenticated, for tests in another process):
 *   GET  /__store[?records=0]  store, counters and per-version accepted/received counts
 *   POST /__faults             {"next":{"n":2,"fault":{…}}} | {"outage":true} | {"latencyMs":50} | {"clear":true}
 *   POST /__review             {"recordId","version","status":"published"|"rejected","code","message"}
 *   POST /__expire-tokens      every issued token answers TOKEN_EXPIRED from now on
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export type FakeAuth = 'token' | 'hmac';
export type FakeKind = 'permits' | 'penalties';

export interface FakeEntry {
  recordId: string;
  version: number;
  op: 'upsert' | 'withdraw';
  data?: Record<string, unknown>;
  reason?: string;
}

export interface Rejection {
  code: string;
  field?: string;
  message: string;
}

export interface StoredRecord extends FakeEntry {
  kind: FakeKind;
  batchId: string;
  receiptId: string;
  at: string;
}

export interface FakeFeedbackItem {
  recordId: string;
  version: number;
  receiptId?: string;
  status: 'published' | 'rejected';
  code?: string;
  message?: string;
  at: string;
}

/** An injected failure, applied to the next matching request(s) after their auth check. */
export interface Fault {
  /** Answer with this status (429/503 carry Retry-After). */
  status?: number;
  /** Retry-After seconds of a 429/503 (default 1). */
  retryAfterSec?: number;
  /** Store the batch first, then fail (the "500 after storing" / "time-out after storing" cases). */
  storeBeforeFailing?: boolean;
  /** Wait before answering (beyond the client's time-out: a time-out). */
  delayMs?: number;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
  /** Which requests it applies to (default: batch submissions). */
  on?: 'batch' | 'feedback' | 'token' | 'any';
}

export interface FakePlatformOptions {
  auth?: FakeAuth;
  appId?: string;
  appSecret?: string;
  /** Lifetime of issued tokens (default 7200). */
  tokenTtlSec?: number;
  /** Fixed latency added to every contract request. */
  latencyMs?: number;
  /** Per-record check of the platform (replaces the default: required name and 文书号, a valid withdraw reason). */
  reject?: (entry: FakeEntry, kind: FakeKind) => Rejection | null | undefined;
  host?: string;
  port?: number;
}

export interface FakeCounters {
  /** Every HTTP request, admin endpoints excluded. */
  requests: number;
  tokenRequests: number;
  /** Authenticated batch submissions (faulted ones included). */
  batches: number;
  /** Records in processed batches. */
  recordsReceived: number;
  feedbackRequests: number;
  authFailures: number;
  faultsInjected: number;
  /** Unpublished fields (证件类型/证件号码: …ZJLX, …ZJHM) seen in upserts: must stay 0. */
  unpublishedFieldsReceived: number;
}

export interface FaultControl {
  /** The next `n` matching requests fail as described. */
  next(n: number, fault: Fault): void;
  /** `unavailable` (default): every contract request gets 503 Retry-After; `refuse`: the port stops listening. */
  outage(on: boolean, mode?: 'unavailable' | 'refuse'): Promise<void>;
  latency(ms: number): void;
  /** Closes every open connection (as a gateway closing idle keep-alive connections does); keeps listening. */
  dropConnections(): void;
  /** Drops queued faults, ends an outage and the latency. */
  clear(): Promise<void>;
  /** Queued fault requests not yet consumed. */
  readonly pending: number;
}

export interface FakeSnapshot {
  counters: FakeCounters;
  storeSize: number;
  maxAcceptedCount: number;
  /** `${recordId}@${version}` → times accepted (never above 1) / times received. */
  acceptedCounts: Record<string, number>;
  receivedCounts: Record<string, number>;
  records?: StoredRecord[];
  feedback: number;
}

export interface FakePlatform {
  url: string;
  auth: FakeAuth;
  appId: string;
  appSecret: string;
  /** Accepted record versions keyed by `${recordId}@${version}`. */
  store: Map<string, StoredRecord>;
  counters: FakeCounters;
  faults: FaultControl;
  acceptedCount(recordId: string, version: number): number;
  receivedCount(recordId: string, version: number): number;
  maxAcceptedCount(): number;
  /** Highest accepted version of a record. */
  latestVersion(recordId: string): number | undefined;
  /** Appends a review result to the feedback list. */
  review(recordId: string, version: number, status: 'published' | 'rejected', code?: string, message?: string): FakeFeedbackItem;
  expireTokens(): void;
  snapshot(withRecords?: boolean): FakeSnapshot;
  stop(): Promise<void>;
}

const MAX_RECORDS = 100;
const MAX_BODY = 1024 * 1024;
const SKEW_MS = 300_000;
const MAX_FEEDBACK_LIMIT = 500;
const WITHDRAW_REASONS = ['信用修复', '撤销', '公示期满', '更正'];
const REQUIRED: Record<FakeKind, Array<[code: string, label: string]>> = {
  permits: [
    ['XK_XDR_MC', '行政相对人名称'],
    ['XK_WSH', '行政许可决定文书号'],
  ],
  penalties: [
    ['CF_XDR_MC', '行政相对人名称'],
    ['CF_WSH', '决定文书号'],
  ],
};

export const keyOf = (recordId: string, version: number): string => `${recordId}@${version}`;

/** The fake's default checks: an upsert needs the subject's name and the decision number; a withdrawal a contract reason. */
export function defaultValidator(entry: FakeEntry, kind: FakeKind): Rejection | null {
  if (entry.op === 'withdraw') {
    return entry.reason && WITHDRAW_REASONS.includes(entry.reason) ? null : { code: 'E_FIELD', field: 'reason', message: '撤回原因无效' };
  }
  for (const [code, label] of REQUIRED[kind]) {
    const v = entry.data?.[code];
    if (v === undefined || v === null || v === '') return { code: 'E_FIELD', field: code, message: `${label}不能为空` };
  }
  return null;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads the body; beyond 1 MiB it keeps draining (so the client can read the 413) but keeps nothing. */
async function readBody(req: http.IncomingMessage): Promise<{ raw: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  }
  return { raw: size <= MAX_BODY ? Buffer.concat(chunks) : Buffer.alloc(0), tooLarge: size > MAX_BODY };
}

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpFailure(400, 'MALFORMED', '请求体不是合法的 JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpFailure(400, 'MALFORMED', '请求体应为 JSON 对象');
  return v as Record<string, unknown>;
}

function parseBatch(raw: Buffer): { batchId: string; records: FakeEntry[] } {
  const body = parseJsonObject(raw);
  if (typeof body.batchId !== 'string' || !body.batchId) throw new HttpFailure(400, 'MALFORMED', '缺少 batchId');
  if (!Array.isArray(body.records) || body.records.length === 0) throw new HttpFailure(400, 'MALFORMED', '缺少 records');
  if (body.records.length > MAX_RECORDS) throw new HttpFailure(413, 'TOO_MANY_RECORDS', `每批最多 ${MAX_RECORDS} 条记录`);
  const records = (body.records as unknown[]).map((r, i): FakeEntry => {
    const e = (r ?? {}) as Record<string, unknown>;
    const ok =
      typeof e.recordId === 'string' &&
      e.recordId.length > 0 &&
      Number.isInteger(e.version) &&
      (e.version as number) >= 0 &&
      (e.op === 'upsert' ? e.data !== null && typeof e.data === 'object' && !Array.isArray(e.data) : e.op === 'withdraw') &&
      (e.reason === undefined || typeof e.reason === 'string');
    if (!ok) throw new HttpFailure(400, 'MALFORMED', `第 ${i + 1} 条记录格式错误`);
    return e as unknown as FakeEntry;
  });
  return { batchId: body.batchId, records };
}

const encodeCursor = (index: number) => Buffer.from(`fb:${index}`).toString('base64url');
function decodeCursor(cursor: string | null): number {
  if (!cursor) return 0;
  const m = /^fb:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new HttpFailure(400, 'BAD_CURSOR', '无效的 cursor');
  return Number(m[1]);
}

export async function startFakePlatform(opts: FakePlatformOptions = {}): Promise<FakePlatform> {
  const auth: FakeAuth = opts.auth ?? 'token';
  const appId = opts.appId ?? `fake-app-${randomBytes(4).toString('hex')}`;
  const appSecret = opts.appSecret ?? randomBytes(24).toString('hex');
  const tokenTtlSec = opts.tokenTtlSec ?? 7200;
  const validate = opts.reject ?? defaultValidator;
  const host = opts.host ?? '127.0.0.1';

  const store = new Map<string, StoredRecord>();
  const latest = new Map<string, number>();
  const accepted = new Map<string, number>();
  const received = new Map<string, number>();
  const feedback: FakeFeedbackItem[] = [];
  const tokens = new Map<string, number>();
  const nonces = new Map<string, number>();
  const counters: FakeCounters = {
    requests: 0,
    tokenRequests: 0,
    batches: 0,
    recordsReceived: 0,
    feedbackRequests: 0,
    authFailures: 0,
    faultsInjected: 0,
    unpublishedFieldsReceived: 0,
  };
  const queued: Array<{ remaining: number; fault: Fault }> = [];
  let outage: false | 'unavailable' | 'refuse' = false;
  let latencyMs = opts.latencyMs ?? 0;

  const bump = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);

  function takeFault(category: 'batch' | 'feedback' | 'token'): Fault | undefined {
    const i = queued.findIndex((q) => (q.fault.on ?? 'batch') === category || q.fault.on === 'any');
    if (i < 0) return undefined;
    const q = queued[i];
    if (--q.remaining <= 0) queued.splice(i, 1);
    counters.faultsInjected++;
    return q.fault;
  }

  function checkToken(req: http.IncomingMessage): void {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const expiresAt = m ? tokens.get(m[1]) : undefined;
    if (expiresAt === undefined) throw new HttpFailure(401, 'INVALID_TOKEN', '令牌无效');
    if (Date.now() >= expiresAt) throw new HttpFailure(401, 'TOKEN_EXPIRED', '令牌已过期');
  }

  function checkSignature(req: http.IncomingMessage, raw: Buffer): void {
    const h = (name: string) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : '';
    };
    const [id, ts, nonce, signature] = [h('x-app-id'), h('x-timestamp'), h('x-nonce'), h('x-signature')];
    if (!id || !ts || !nonce || !signature) throw new HttpFailure(401, 'SIGNATURE_MISSING', '缺少签名头');
    if (id !== appId) throw new HttpFailure(401, 'INVALID_APP', '应用不存在');
    const now = Date.now();
    if (!/^\d+$/.test(ts) || Math.abs(now - Number(ts)) > SKEW_MS) throw new HttpFailure(401, 'TIMESTAMP_SKEW', '时间戳偏差超过 300 秒');
    const expected = createHmac('sha256', appSecret)
      .update(`${id}\n${ts}\n${nonce}\n${createHash('sha256').update(raw).digest('hex')}`)
      .digest();
    const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpFailure(401, 'SIGNATURE_INVALID', '签名错误');
    if (nonces.has(nonce)) throw new HttpFailure(401, 'NONCE_REUSED', 'nonce 已使用');
    nonces.set(nonce, now);
    if (nonces.size > 10_000) for (const [n, at] of nonces) if (at < now - 2 * SKEW_MS) nonces.delete(n);
  }

  function authenticate(req: http.IncomingMessage, raw: Buffer): void {
    try {
      if (auth === 'token') checkToken(req);
      else checkSignature(req, raw);
    } catch (err) {
      counters.authFailures++;
      throw err;
    }
  }

  function processBatch(kind: FakeKind, batchId: string, records: FakeEntry[]) {
    const at = new Date().toISOString();
    return records.map((e) => {
      const key = keyOf(e.recordId, e.version);
      counters.recordsReceived++;
      bump(received, key);
      if (e.op === 'upsert') counters.unpublishedFieldsReceived += Object.keys(e.data ?? {}).filter((k) => /(ZJHM|ZJLX)$/i.test(k)).length;
      const base = { recordId: e.recordId, version: e.version };
      const prior = store.get(key);
      if (prior) return { ...base, status: 'duplicate', receiptId: prior.receiptId };
      if ((latest.get(e.recordId) ?? -1) > e.version) return { ...base, status: 'stale' };
      const rejection = validate(e, kind);
      if (rejection) return { ...base, status: 'rejected', ...rejection };
      const receiptId = `R-${randomUUID()}`;
      const stored: StoredRecord = { kind, batchId, recordId: e.recordId, version: e.version, op: e.op, receiptId, at };
      if (e.op === 'upsert') stored.data = e.data;
      else if (e.reason !== undefined) stored.reason = e.reason;
      store.set(key, stored);
      latest.set(e.recordId, e.version);
      bump(accepted, key);
      return { ...base, status: 'accepted', receiptId };
    });
  }

  function issueToken(raw: Buffer, res: http.ServerResponse): void {
    counters.tokenRequests++;
    const body = parseJsonObject(raw);
    if (body.appId !== appId || body.appSecret !== appSecret) throw new HttpFailure(401, 'INVALID_CREDENTIALS', '应用凭据错误');
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, Date.now() + tokenTtlSec * 1000);
    send(res, 200, { access_token: token, expires_in: tokenTtlSec });
  }

  async function submitBatch(kind: FakeKind, req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): Promise<void> {
    authenticate(req, raw);
    counters.batches++;
    const fault = takeFault('batch');
    let results: ReturnType<typeof processBatch> | undefined;
    let batchId = '';
    const run = () => {
      const batch = parseBatch(raw);
      batchId = batch.batchId;
      results = processBatch(kind, batch.batchId, batch.records);
    };
    if (fault) {
      if (fault.storeBeforeFailing) run();
      if (await applyFault(fault, req, res)) return;
    }
    if (!results) run();
    send(res, 200, { batchId, results });
  }

  /** Delays, then resets or answers the fault's status; false when the request should proceed normally. */
  async function applyFault(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    if (fault.delayMs) await sleep(fault.delayMs);
    if (fault.reset) {
      req.socket.destroy();
      return true;
    }
    if (!fault.status) return false;
    const retry: Record<string, string> = fault.status === 429 || fault.status === 503 ? { 'Retry-After': String(fault.retryAfterSec ?? 1) } : {};
    send(res, fault.status, { code: 'INJECTED_FAULT', message: `注入的故障 ${fault.status}` }, retry);
    return true;
  }

  async function listFeedback(req: http.IncomingMessage, raw: Buffer, url: URL, res: http.ServerResponse): Promise<void> {
    authenticate(req, raw);
    counters.feedbackRequests++;
    const fault = takeFault('feedback');
    if (fault && (await applyFault(fault, req, res))) return;
    const start = decodeCursor(url.searchParams.get('cursor'));
    const limitText = url.searchParams.get('limit') ?? String(MAX_FEEDBACK_LIMIT);
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_FEEDBACK_LIMIT) throw new HttpFailure(400, 'BAD_LIMIT', `limit 应为 1–${MAX_FEEDBACK_LIMIT}`);
    const items = feedback.slice(start, start + limit);
    send(res, 200, { items, nextCursor: encodeCursor(start + items.length) });
  }

  const acceptedCount = (recordId: string, version: number) => accepted.get(keyOf(recordId, version)) ?? 0;
  const maxAcceptedCount = () => Math.max(0, ...accepted.values());
  const snapshot = (withRecords = true): FakeSnapshot => ({
    counters: { ...counters },
    storeSize: store.size,
    maxAcceptedCount: maxAcceptedCount(),
    acceptedCounts: Object.fromEntries(accepted),
    receivedCounts: Object.fromEntries(received),
    ...(withRecords ? { records: [...store.values()] } : {}),
    feedback: feedback.length,
  });

  function review(recordId: string, version: number, status: 'published' | 'rejected', code?: string, message?: string): FakeFeedbackItem {
    const item: FakeFeedbackItem = { recordId, version, status, at: new Date().toISOString() };
    const receiptId = store.get(keyOf(recordId, version))?.receiptId;
    if (receiptId) item.receiptId = receiptId;
    if (code) item.code = code;
    if (message) item.message = message;
    feedback.push(item);
    return item;
  }

  const expireTokens = () => {
    for (const t of tokens.keys()) tokens.set(t, 0);
  };

  async function admin(req: http.IncomingMessage, url: URL, raw: Buffer, res: http.ServerResponse): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /__store') return send(res, 200, snapshot(url.searchParams.get('records') !== '0'));
    if (route === 'POST /__expire-tokens') {
      expireTokens();
      return send(res, 200, { ok: true });
    }
    if (route === 'POST /__review') {
      const b = parseJsonObject(raw);
      if (typeof b.recordId !== 'string' || !Number.isInteger(b.version) || (b.status !== 'published' && b.status !== 'rejected')) {
        throw new HttpFailure(400, 'MALFORMED', '需要 recordId、version、status');
      }
      return send(res, 200, review(b.recordId, b.version as number, b.status, b.code as string | undefined, b.message as string | undefined));
    }
    if (route === 'POST /__faults') {
      const b = parseJsonObject(raw) as { next?: { n: number; fault: Fault }; outage?: boolean; latencyMs?: number; clear?: boolean };
      if (b.clear) await faults.clear();
      if (b.next) faults.next(b.next.n, b.next.fault);
      if (typeof b.outage === 'boolean') await faults.outage(b.outage, 'unavailable');
      if (typeof b.latencyMs === 'number') faults.latency(b.latencyMs);
      return send(res, 200, { ok: true, pending: faults.pending, outage, latencyMs });
    }
    throw new HttpFailure(404, 'NOT_FOUND', '接口不存在');
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const { raw, tooLarge } = await readBody(req);
    if (url.pathname.startsWith('/__')) return admin(req, url, raw, res);
    counters.requests++;
    if (outage === 'unavailable') return send(res, 503, { code: 'UNAVAILABLE', message: '平台维护中' }, { 'Retry-After': '1' });
    if (latencyMs > 0) await sleep(latencyMs);
    const route = `${req.method} ${url.pathname}`;
    if (tooLarge) throw new HttpFailure(413, 'BODY_TOO_LARGE', '请求体超过 1 MiB');
    if (route === 'POST /auth/token' && auth === 'token') {
      const fault = takeFault('token');
      if (fault && (await applyFault(fault, req, res))) return;
      return issueToken(raw, res);
    }
    const batch = /^\/api\/v1\/sgs\/(permits|penalties)\/batch$/.exec(url.pathname);
    if (batch && req.method === 'POST') return submitBatch(batch[1] as FakeKind, req, raw, res);
    if (route === 'GET /api/v1/sgs/feedback') return listFeedback(req, raw, url, res);
    throw new HttpFailure(404, 'NOT_FOUND', '接口不存在');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof HttpFailure) send(res, err.status, { code: err.code, message: err.message });
      else send(res, 500, { code: 'INTERNAL', message: String(err) });
    });
  });

  const listen = (port: number) =>
    new Promise<number>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        ok((server.address() as AddressInfo).port);
      });
    });
  const close = () =>
    new Promise<void>((ok) => {
      if (!server.listening) return ok();
      server.close(() => ok());
      server.closeAllConnections();
    });

  const port = await listen(opts.port ?? 0);

  const faults: FaultControl = {
    next(n, fault) {
      if (n > 0) queued.push({ remaining: n, fault });
    },
    async outage(on, mode = 'unavailable') {
      const was = outage;
      outage = on ? mode : false;
      if (on && mode === 'refuse' && was !== 'refuse') await close();
      if (!on && was === 'refuse') await listen(port);
    },
    latency(ms) {
      latencyMs = ms;
    },
    dropConnections() {
      server.closeAllConnections();
    },
    async clear() {
      queued.length = 0;
      latencyMs = 0;
      await faults.outage(false);
    },
    get pending() {
      return queued.reduce((n, q) => n + q.remaining, 0);
    },
  };

  return {
    url: `http://${host}:${port}`,
    auth,
    appId,
    appSecret,
    store,
    counters,
    faults,
    acceptedCount,
    receivedCount: (recordId, version) => received.get(keyOf(recordId, version)) ?? 0,
    maxAcceptedCount,
    latestVersion: (recordId) => latest.get(recordId),
    review,
    expireTokens,
    snapshot,
    stop: close,
  };
}

/** Standalone: `node --import tsx test/support/fakePlatform.ts --port 0 --auth token|hmac [--app-id … --app-secret … --token-ttl … --latency …]`. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      auth: { type: 'string', default: 'token' },
      'app-id': { type: 'string' },
      'app-secret': { type: 'string' },
      'token-ttl': { type: 'string' },
      latency: { type: 'string' },
    },
  });
  if (values.auth !== 'token' && values.auth !== 'hmac') throw new Error('--auth must be token or hmac');
  const fake = await startFakePlatform({
    auth: values.auth,
    host: values.host,
    port: Number(values.port),
    appId: values['app-id'],
    appSecret: values['app-secret'],
    tokenTtlSec: values['token-ttl'] ? Number(values['token-ttl']) : undefined,
    latencyMs: values.latency ? Number(values.latency) : undefined,
  });
  process.stdout.write(`${JSON.stringify({ url: fake.url, appId: fake.appId, appSecret: fake.appSecret, auth: fake.auth, pid: process.pid })}\n`);
  const shutdown = () => void fake.stop().then(() => process.exit(0));
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
