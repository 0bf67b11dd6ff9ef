import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import nock from 'nock';
import winston from 'winston';
import { logger, setLogLevel } from '../../src/lib/logger.js';
import { createAdapter, PlatformError, type AdapterOptions, type PlatformAdapter, type SubmitEntry } from '../../src/modules/publicity/adapters/index.js';
import type { PlatformConfig } from '../../src/modules/publicity/platforms.js';
import { startFakePlatform, type FakePlatform } from '../support/fakePlatform.js';

// nock patches every socket of the process as soon as it is imported: keep it off outside the nock tests below,
// so the other test files of the run (database, supertest) and the fake platform tests use the real network stack.
nock.restore();

const ORIGIN = 'https://credit-platform.example.test';
const PREFIX = '/gw';
const BATCH = `${PREFIX}/api/v1/sgs/penalties/batch`;
const PERMIT_BATCH = `${PREFIX}/api/v1/sgs/permits/batch`;
const TOKEN = `${PREFIX}/auth/token`;
const FEEDBACK = `${PREFIX}/api/v1/sgs/feedback`;
const APP_ID = 'app-municipal-001';
const APP_SECRET = 's3cr3t-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';
const ID_NUMBER = '110105199001011234';

const PENALTY: Record<string, unknown> = {
  subjectName: '某某化工有限公司',
  subjectType: '法人及非法人组织',
  uscc: '91310000MA1FL0XX7Q',
  legalRepresentative: '张三',
  legalRepIdType: '身份证',
  legalRepIdNumber: ID_NUMBER,
  decisionNumber: '沪应急罚〔2024〕12号',
  decisionDate: '2024-03-01',
  violationType: '未按规定开展安全培训',
  facts: '经查，该公司未对从业人员进行安全生产教育和培训。',
  legalBasis: '《中华人民共和国安全生产法》第九十七条',
  penaltyTypes: ['警告', '罚款'],
  fineAmount: 1.5,
  content: '警告，罚款人民币壹万伍仟元整',
  validUntil: '2025-03-01',
  publicityEndDate: '2025-03-01',
  authorityName: '某市应急管理局',
  authorityUscc: '11310000002420001X',
  sourceName: '某市应急管理局',
  sourceUscc: '11310000002420001X',
  simplifiedProcedure: false,
};

const PERMIT: Record<string, unknown> = {
  subjectName: '某某危化品经营有限公司',
  subjectType: '法人及非法人组织',
  uscc: '91310000MA1FL0XX7Q',
  documentName: '危险化学品经营许可决定书',
  decisionNumber: '沪危化经字〔2024〕001号',
  permitCategory: '普通',
  content: '危险化学品经营（不带储存）',
  decisionDate: '2024-02-01',
  validFrom: '2024-02-01',
  validTo: '2027-01-31',
  status: '1',
  authorityName: '某市应急管理局',
  authorityUscc: '11310000002420001X',
  sourceName: '某市应急管理局',
  sourceUscc: '11310000002420001X',
  subjectIdNumber: ID_NUMBER,
};

function cfg(over: Partial<PlatformConfig> = {}): PlatformConfig {
  return {
    id: 'municipal',
    name: '测试平台',
    envPrefix: 'TEST_PLATFORM',
    auth: 'token',
    batchSize: 100,
    timeoutMs: 300,
    maxAttempts: 3,
    backoff: { baseMs: 10, maxMs: 100 },
    circuit: { failureThreshold: 5, openMs: 1000 },
    leaseMs: 10_000,
    fieldMap: {},
    url: `${ORIGIN}${PREFIX}/`,
    appId: APP_ID,
    appSecret: APP_SECRET,
    ...over,
  };
}

const adapters: PlatformAdapter[] = [];
function adapter(over: Partial<PlatformConfig> = {}, opts: AdapterOptions = {}): PlatformAdapter {
  const a = createAdapter(cfg(over), opts);
  adapters.push(a);
  return a;
}

const upsert = (recordId: string, version = 1, data: Record<string, unknown> = PENALTY): SubmitEntry => ({ recordId, version, op: 'upsert', data });
const withdraw = (recordId: string, version: number, reason = '信用修复'): SubmitEntry => ({ recordId, version, op: 'withdraw', reason });

/** The rejection of a promise, which must be a PlatformError. */
async function failure(p: Promise<unknown>): Promise<PlatformError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(PlatformError);
    return err as PlatformError;
  }
  throw new Error('expected a PlatformError, the call succeeded');
}

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  raw: Buffer;
}
interface WireRecord {
  recordId: string;
  version: number;
  op: string;
  data?: Record<string, unknown>;
  reason?: string;
}
interface WireBatch {
  batchId: string;
  records: WireRecord[];
}
type Answer = (r: WireRecord, i: number) => Record<string, unknown>;

const accept: Answer = (r) => ({ status: 'accepted', receiptId: `R-${r.recordId}-${r.version}` });
const batchOf = (s: Seen): WireBatch => JSON.parse(s.raw.toString('utf8')) as WireBatch;

async function capture(req: Request): Promise<Seen> {
  const url = new URL(req.url);
  return { method: req.method, path: url.pathname + url.search, headers: Object.fromEntries(req.headers), raw: Buffer.from(await req.arrayBuffer()) };
}

/** A nock reply recording the request and answering each record as `answer` says, in order. */
function batchReply(seen: Seen[], answer: Answer = accept) {
  return async (req: Request) => {
    const s = await capture(req);
    seen.push(s);
    const body = batchOf(s);
    return [200, { batchId: body.batchId, results: body.records.map((r, i) => ({ recordId: r.recordId, version: r.version, ...answer(r, i) })) }];
  };
}

/** Token endpoint issuing `tokens` in turn; returns the bodies it received. */
function tokenEndpoint(tokens: string[], expiresIn = 7200): unknown[] {
  const calls: unknown[] = [];
  for (const t of tokens) {
    nock(ORIGIN)
      .post(TOKEN)
      .reply(async (req: Request) => {
        calls.push(JSON.parse(await req.text()));
        return [200, { access_token: t, expires_in: expiresIn }];
      });
  }
  return calls;
}

describe('publicity adapters (HTTP contract, nock)', () => {
  before(() => {
    nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    for (const a of adapters.splice(0)) a.close?.();
    expect(pending, 'every expected platform call was made').to.deep.equal([]);
  });
  after(() => {
    nock.enableNetConnect();
    nock.restore();
  });

  describe('token auth', () => {
    it('fetches one token for several submits (concurrent ones share the fetch) and sends it as a Bearer token', async () => {
      const calls = tokenEndpoint(['tok-1']);
      const seen: Seen[] = [];
      nock(ORIGIN).post(BATCH).times(5).reply(batchReply(seen));
      const a = adapter();
      await Promise.all([1, 2, 3].map((i) => a.submit('penalty', [upsert(`r${i}`)])));
      await a.submit('penalty', [upsert('r4')]);
      await a.submit('penalty', [upsert('r5')]);
      expect(calls).to.deep.equal([{ appId: APP_ID, appSecret: APP_SECRET }]);
      expect(seen.map((s) => s.headers.authorization)).to.deep.equal(Array(5).fill('Bearer tok-1'));
      expect(seen.every((s) => !('x-signature' in s.headers))).to.equal(true);
    });

    it('renews the token shortly before it expires', async () => {
      let now = Date.parse('2025-01-01T00:00:00Z');
      const calls = tokenEndpoint(['tok-1', 'tok-2'], 600);
      const seen: Seen[] = [];
      nock(ORIGIN).post(BATCH).times(3).reply(batchReply(seen));
      const a = adapter({}, { now: () => now });
      await a.submit('penalty', [upsert('r1')]);
      now += 530_000; // 70 s of lifetime left: still used
      await a.submit('penalty', [upsert('r2')]);
      now += 20_000; // 50 s left: inside the renewal margin (a minute)
      await a.submit('penalty', [upsert('r3')]);
      expect(calls).to.have.length(2);
      expect(seen.map((s) => s.headers.authorization)).to.deep.equal(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    });

    it('on 401 TOKEN_EXPIRED fetches a new token once and repeats the same batch', async () => {
      const calls = tokenEndpoint(['tok-1', 'tok-2']);
      const seen: Seen[] = [];
      nock(ORIGIN)
        .post(BATCH)
        .reply(async (req: Request) => {
          seen.push(await capture(req));
          return [401, { code: 'TOKEN_EXPIRED' }];
        })
        .post(BATCH)
        .times(2)
        .reply(batchReply(seen));
      const a = adapter();
      const res = await a.submit('penalty', [upsert('r1', 3)]);
      expect(res.results).to.deep.equal([{ recordId: 'r1', version: 3, status: 'accepted', receiptId: 'R-r1-3' }]);
      expect(calls).to.have.length(2);
      expect(seen.map((s) => s.headers.authorization)).to.deep.equal(['Bearer tok-1', 'Bearer tok-2']);
      expect(seen[0].raw.equals(seen[1].raw), 'the repeat sends the same bytes (same batchId)').to.equal(true);
      expect(res.batchId).to.equal(batchOf(seen[1]).batchId);
      await a.submit('penalty', [upsert('r2')]); // the new token is cached
      expect(seen[2].headers.authorization).to.equal('Bearer tok-2');
      expect(calls).to.have.length(2);
    });

    it('a second 401 after the refresh is an auth error, without a third attempt', async () => {
      const calls = tokenEndpoint(['tok-1', 'tok-2']);
      nock(ORIGIN).post(BATCH).times(2).reply(401, { code: 'TOKEN_EXPIRED' });
      const err = await failure(adapter().submit('penalty', [upsert('r1')]));
      expect(err.kind).to.equal('auth');
      expect(err.status).to.equal(401);
      expect(err.message).to.contain('认证');
      expect(calls).to.have.length(2);
    });

    it('refused credentials at the token endpoint are an auth error; the failed fetch is not cached', async () => {
      nock(ORIGIN).post(TOKEN).reply(401, { code: 'INVALID_CREDENTIALS', message: '应用凭据错误' });
      const a = adapter();
      const err = await failure(a.submit('penalty', [upsert('r1')]));
      expect(err.kind).to.equal('auth');
      expect(err.message).to.contain('INVALID_CREDENTIALS');
      tokenEndpoint(['tok-2']);
      nock(ORIGIN).post(BATCH).reply(batchReply([]));
      expect((await a.submit('penalty', [upsert('r1')])).results[0].status).to.equal('accepted');
    });

    it('maps a token endpoint that is down or answers garbage like any other call', async () => {
      nock(ORIGIN).post(TOKEN).reply(503, { code: 'UNAVAILABLE' }, { 'Retry-After': '12' });
      nock(ORIGIN).post(TOKEN).reply(200, { token: 'no-access-token-field' });
      const a = adapter();
      const down = await failure(a.submit('penalty', [upsert('r1')]));
      expect([down.kind, down.retryAfterMs]).to.deep.equal(['retryAfter', 12_000]);
      const garbage = await failure(a.submit('penalty', [upsert('r1')]));
      expect(garbage.kind).to.equal('transient');
    });
  });

  describe('hmac auth', () => {
    it('signs the exact raw body with a fresh nonce and timestamp on every request (GET: empty body)', async () => {
      const seen: Seen[] = [];
      nock(ORIGIN).post(PERMIT_BATCH).times(2).reply(batchReply(seen));
      nock(ORIGIN)
        .get(FEEDBACK)
        .query(true)
        .reply(async (req: Request) => {
          seen.push(await capture(req));
          return [200, { items: [], nextCursor: 'c1' }];
        });
      const a = adapter({ auth: 'hmac' });
      const before = Date.now();
      await a.submit('permit', [upsert('p1', 1, PERMIT)]);
      await a.submit('permit', [upsert('p1', 1, PERMIT)]); // the same batch again, as a retry would send it
      await a.feedback(null, 10);
      const after = Date.now();

      expect(seen).to.have.length(3);
      for (const s of seen) {
        const { 'x-app-id': appId, 'x-timestamp': ts, 'x-nonce': nonce, 'x-signature': signature } = s.headers;
        expect(appId).to.equal(APP_ID);
        expect(ts).to.match(/^\d{13}$/);
        expect(Number(ts)).to.be.within(before, after);
        expect(nonce).to.have.length.greaterThanOrEqual(16);
        const expected = createHmac('sha256', APP_SECRET)
          .update(`${APP_ID}\n${ts}\n${nonce}\n${createHash('sha256').update(s.raw).digest('hex')}`)
          .digest('hex');
        expect(signature).to.equal(expected);
        expect(s.headers.authorization).to.equal(undefined);
      }
      expect(seen[0].headers['content-type']).to.match(/^application\/json/);
      expect(seen[2].raw.length).to.equal(0);
      expect(new Set(seen.map((s) => s.headers['x-nonce'])).size).to.equal(3);
      expect(new Set(seen.map((s) => s.headers['x-signature'])).size).to.equal(3);
    });

    it('a refused signature is an auth error at once (signing again cannot help)', async () => {
      nock(ORIGIN).post(BATCH).once().reply(401, { code: 'SIGNATURE_INVALID' });
      const err = await failure(adapter({ auth: 'hmac' }).submit('penalty', [upsert('r1')]));
      expect([err.kind, err.status]).to.deep.equal(['auth', 401]);
    });
  });

  describe('submit', () => {
    const hmac = (over: Partial<PlatformConfig> = {}, opts: AdapterOptions = {}) => adapter({ auth: 'hmac', ...over }, opts);

    it('maps each per-record status, in order', async () => {
      const statuses: Record<string, unknown>[] = [
        { status: 'accepted', receiptId: 'R-1' },
        { status: 'duplicate', receiptId: 'R-0' },
        { status: 'stale' },
        { status: 'rejected', code: 'E_FIELD', field: 'CF_WSH', message: '决定文书号不能为空' },
      ];
      nock(ORIGIN)
        .post(BATCH)
        .reply(batchReply([], (_r, i) => statuses[i]));
      const res = await hmac().submit('penalty', [upsert('a', 2), upsert('b', 1), upsert('c', 1), upsert('d', 4)]);
      expect(res.results).to.deep.equal([
        { recordId: 'a', version: 2, status: 'accepted', receiptId: 'R-1' },
        { recordId: 'b', version: 1, status: 'duplicate', receiptId: 'R-0' },
        { recordId: 'c', version: 1, status: 'stale' },
        { recordId: 'd', version: 4, status: 'rejected', code: 'E_FIELD', field: 'CF_WSH', message: '决定文书号不能为空' },
      ]);
    });

    const malformed: Array<[string, (b: WireBatch) => unknown]> = [
      ['not JSON', () => '<html>网关错误</html>'],
      ['too few results', (b) => ({ batchId: b.batchId, results: [] })],
      ['results out of order', (b) => ({ batchId: b.batchId, results: [...b.records].reverse().map((r) => ({ recordId: r.recordId, version: r.version, status: 'stale' })) })],
      ['another version', (b) => ({ batchId: b.batchId, results: b.records.map((r) => ({ recordId: r.recordId, version: r.version + 1, status: 'stale' })) })],
      ['an unknown status', (b) => ({ batchId: b.batchId, results: b.records.map((r) => ({ recordId: r.recordId, version: r.version, status: 'ok' })) })],
      ['accepted without a receipt', (b) => ({ batchId: b.batchId, results: b.records.map((r) => ({ recordId: r.recordId, version: r.version, status: 'accepted' })) })],
      ['another batch', (b) => ({ batchId: randomUUID(), results: b.records.map((r) => ({ recordId: r.recordId, version: r.version, status: 'stale' })) })],
    ];
    for (const [what, body] of malformed) {
      it(`a 200 with ${what} is a transient error`, async () => {
        nock(ORIGIN)
          .post(BATCH)
          .reply(async (req: Request) => [200, body(batchOf(await capture(req)))]);
        const err = await failure(hmac().submit('penalty', [upsert('a'), upsert('b')]));
        expect(err.kind).to.equal('transient');
        expect(err.message).to.equal('平台应答不符合接口规范');
      });
    }

    const NOW = Date.parse('2025-06-01T08:00:00Z');
    const statusCases: Array<{ status: number; headers?: Record<string, string>; kind: string; retryAfterMs?: number }> = [
      { status: 429, headers: { 'Retry-After': '7' }, kind: 'retryAfter', retryAfterMs: 7000 },
      { status: 503, headers: { 'Retry-After': '120' }, kind: 'retryAfter', retryAfterMs: 120_000 },
      { status: 503, headers: { 'Retry-After': new Date(NOW + 20_000).toUTCString() }, kind: 'retryAfter', retryAfterMs: 20_000 },
      { status: 429, kind: 'retryAfter', retryAfterMs: 30_000 },
      { status: 500, kind: 'transient' },
      { status: 502, kind: 'transient' },
      { status: 504, kind: 'transient' },
      { status: 404, kind: 'transient' },
      { status: 400, kind: 'badRequest' },
      { status: 413, kind: 'badRequest' },
    ];
    for (const c of statusCases) {
      it(`HTTP ${c.status}${c.headers ? ` with Retry-After ${c.headers['Retry-After']}` : ''} → ${c.kind}`, async () => {
        nock(ORIGIN).post(BATCH).reply(c.status, { code: 'X' }, c.headers);
        const err = await failure(hmac({}, { now: () => NOW }).submit('penalty', [upsert('a')]));
        expect(err.kind).to.equal(c.kind);
        expect(err.status).to.equal(c.status);
        expect(err.retryAfterMs).to.equal(c.retryAfterMs);
        expect(err.message).to.match(/[\u4e00-\u9fff]/);
      });
    }

    it('a time-out (no answer within timeoutMs) is transient', async () => {
      nock(ORIGIN).post(BATCH).delay(2000).reply(batchReply([]));
      const started = Date.now();
      const err = await failure(hmac({ timeoutMs: 200 }).submit('penalty', [upsert('a')]));
      expect(err.kind).to.equal('transient');
      expect(err.message).to.contain('超时');
      expect(Date.now() - started).to.be.below(1500);
    });

    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE']) {
      it(`a connection error ${code} is transient`, async () => {
        nock(ORIGIN)
          .post(BATCH)
          .replyWithError(Object.assign(new Error(code === 'ECONNRESET' ? 'socket hang up' : code), { code }));
        const err = await failure(hmac().submit('penalty', [upsert('a')]));
        expect(err.kind).to.equal('transient');
        expect(err.status).to.equal(undefined);
        expect(err.message).to.equal(code === 'ECONNREFUSED' ? '平台拒绝连接' : '与平台的连接被中断，批次可能已存储');
      });
    }

    it('refuses more entries than batchSize without calling the platform; an empty batch calls nothing', async () => {
      const a = hmac({ batchSize: 2 });
      const err = await failure(a.submit('penalty', [upsert('a'), upsert('b'), upsert('c')]));
      expect(err.kind).to.equal('badRequest');
      expect(err.message).to.contain('每批最多 2 条');
      expect((await a.submit('penalty', [])).results).to.deep.equal([]);
    });

    it('an unconfigured platform reports configured=false and keeps records pending (transient)', async () => {
      for (const missing of ['url', 'appId', 'appSecret'] as const) {
        const a = adapter({ [missing]: undefined });
        expect(a.configured, missing).to.equal(false);
        const err = await failure(a.submit('penalty', [upsert('a')]));
        expect([err.kind, err.message]).to.deep.equal(['transient', '平台未配置']);
        expect((await failure(a.feedback(null, 10))).message).to.equal('平台未配置');
      }
      expect(adapter().configured).to.equal(true);
    });

    it('sends the standard codes (via toStandard) renamed by the fieldMap; withdrawals carry only the reason', async () => {
      const seen: Seen[] = [];
      nock(ORIGIN).post(BATCH).reply(batchReply(seen));
      await hmac({ fieldMap: { CF_XDR_MC: 'XDR_MC', CF_WSH: 'CFJDS_WH' } }).submit('penalty', [upsert('r1', 2), withdraw('r2', 5, '撤销')]);
      const { records } = batchOf(seen[0]);
      expect(records[0]).to.deep.equal({
        recordId: 'r1',
        version: 2,
        op: 'upsert',
        data: {
          XDR_MC: '某某化工有限公司',
          CF_XDR_LB: '法人及非法人组织',
          CF_XDR_SHXYM: '91310000MA1FL0XX7Q',
          CF_FRDB: '张三',
          CFJDS_WH: '沪应急罚〔2024〕12号',
          CF_JDRQ: '2024-03-01',
          CF_CFJG: '某市应急管理局',
          CF_CFJGDM: '11310000002420001X',
          CF_SJLY: '某市应急管理局',
          CF_SJLYDM: '11310000002420001X',
          CF_WFXW: '未按规定开展安全培训',
          CF_SY: '经查，该公司未对从业人员进行安全生产教育和培训。',
          CF_YJ: '《中华人民共和国安全生产法》第九十七条',
          CF_CFLB: '警告;罚款',
          CF_NR_FK: 1.5,
          CF_YXQ: '2025-03-01',
          CF_GSJZQ: '2025-03-01',
          CF_NR: '警告，罚款人民币壹万伍仟元整',
        },
      });
      expect(records[1]).to.deep.equal({ recordId: 'r2', version: 5, op: 'withdraw', reason: '撤销' });
    });

    it('never sends unpublished fields (ID numbers, internal flags)', async () => {
      const seen: Seen[] = [];
      nock(ORIGIN).post(PERMIT_BATCH).reply(batchReply(seen));
      nock(ORIGIN).post(BATCH).reply(batchReply(seen));
      const a = hmac();
      await a.submit('permit', [upsert('p1', 1, { ...PERMIT, legalRepIdNumber: ID_NUMBER, legalRepIdType: '身份证' })]);
      await a.submit('penalty', [upsert('r1', 1, { ...PENALTY, subjectIdNumber: ID_NUMBER })]);
      for (const s of seen) {
        const text = s.raw.toString('utf8');
        expect(text).to.not.contain(ID_NUMBER);
        expect(text).to.not.match(/ZJHM|ZJLX|simplifiedProcedure|legalRep|subjectId/);
      }
      expect(batchOf(seen[0]).records[0].data).to.include({ XK_XDR_MC: '某某危化品经营有限公司', XK_WSH: '沪危化经字〔2024〕001号', XK_ZT: '1' });
    });

    it('splits a batch too large for one 1 MiB body into consecutive requests and keeps the results in order', async () => {
      const big = { ...PENALTY, facts: '违'.repeat(4000), content: '罚'.repeat(4000), legalBasis: '依'.repeat(2000) };
      const entries = Array.from({ length: 100 }, (_, i) => upsert(`big-${i}`, 1, big));
      const seen: Seen[] = [];
      nock(ORIGIN).post(BATCH).times(4).reply(batchReply(seen));
      const res = await hmac().submit('penalty', entries); // ~3 MB: halved twice, 25 records (~0.75 MiB) a request
      expect(seen).to.have.length(4);
      for (const s of seen) expect(s.raw.length).to.be.at.most(1024 * 1024);
      expect(seen.flatMap((s) => batchOf(s).records.map((r) => r.recordId))).to.deep.equal(entries.map((e) => e.recordId));
      expect(res.results.map((r) => r.recordId)).to.deep.equal(entries.map((e) => e.recordId));
      expect(res.results.every((r) => r.status === 'accepted')).to.equal(true);
    });
  });

  describe('feedback', () => {
    it('GETs a page with cursor and limit and parses the items', async () => {
      const item = { recordId: 'r1', version: 3, receiptId: 'R-9', status: 'rejected', code: 'E_REVIEW', message: '处罚依据不完整', at: '2025-01-02T03:04:05.000Z' };
      nock(ORIGIN).get(FEEDBACK).query({ cursor: 'c-41', limit: '200' }).reply(200, { items: [item], nextCursor: 'c-42' });
      nock(ORIGIN).get(FEEDBACK).query({ limit: '500' }).reply(200, { items: [], nextCursor: null });
      const a = adapter({ auth: 'hmac' });
      expect(await a.feedback('c-41', 200)).to.deep.equal({ items: [item], nextCursor: 'c-42' });
      // limit capped at the contract's 500; no cursor yet, and an answer without one keeps ours (none)
      expect(await a.feedback(null, 10_000)).to.deep.equal({ items: [], nextCursor: null });
    });

    it('a malformed page is transient; errors map as for submits', async () => {
      nock(ORIGIN).get(FEEDBACK).query(true).reply(200, { items: [{ recordId: 'r1', status: 'published' }], nextCursor: 'x' });
      nock(ORIGIN).get(FEEDBACK).query(true).reply(429, {}, { 'Retry-After': '3' });
      const a = adapter({ auth: 'hmac' });
      expect((await failure(a.feedback('c', 10))).kind).to.equal('transient');
      const limited = await failure(a.feedback('c', 10));
      expect([limited.kind, limited.retryAfterMs]).to.deep.equal(['retryAfter', 3000]);
    });
  });

  describe('logging', () => {
    it('logs method, path, status, duration and batch size at debug level, and never a credential', async () => {
      const lines: string[] = [];
      const transport = new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer, _enc, done) {
            lines.push(chunk.toString());
            done();
          },
        }),
      });
      const longToken = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.sig-0123456789abcdef';
      const consoles = logger.transports.filter((t) => t instanceof winston.transports.Console);
      for (const t of consoles) t.silent = true;
      logger.add(transport);
      setLogLevel('debug');
      const errors: PlatformError[] = [];
      const seen: Seen[] = [];
      try {
        tokenEndpoint([longToken, `${longToken}-2`]);
        nock(ORIGIN).post(BATCH).reply(batchReply(seen));
        // a platform that echoes the refused token in its error message
        nock(ORIGIN)
          .post(BATCH)
          .times(2)
          .reply(async (req: Request) => [401, { code: 'TOKEN_EXPIRED', message: `token ${(await capture(req)).headers.authorization} expired` }]);
        const token = adapter();
        await token.submit('penalty', [upsert('r1')]);
        errors.push(await failure(token.submit('penalty', [upsert('r2')])));
        nock(ORIGIN).post(BATCH).reply(batchReply(seen));
        nock(ORIGIN)
          .post(BATCH)
          .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        const hmac = adapter({ auth: 'hmac' });
        await hmac.submit('penalty', [upsert('r3'), upsert('r4')]);
        errors.push(await failure(hmac.submit('penalty', [upsert('r5')])));
      } finally {
        logger.remove(transport);
        for (const t of consoles) t.silent = false;
        setLogLevel(process.env.TEST_LOG_LEVEL ?? 'error');
      }
      const secrets = [APP_SECRET, longToken, ...seen.flatMap((s) => [s.headers['x-signature'], s.headers['x-nonce']].filter(Boolean))];
      expect(secrets.length).to.be.greaterThan(2);
      const output = lines.join('\n') + errors.map((e) => JSON.stringify({ ...e, message: e.message })).join('\n');
      for (const secret of secrets) expect(output).to.not.contain(secret);
      expect(output).to.not.contain('c2VjcmV0LXRva2VuLXZhbHVl');

      const calls = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === 'platform call');
      expect(calls.length).to.be.greaterThanOrEqual(5);
      expect(calls[0]).to.include({ level: 'debug', platform: 'municipal', method: 'POST', path: '/auth/token', status: 200 });
      expect(calls.find((c) => c.path === '/api/v1/sgs/penalties/batch' && c.status === 200)).to.include({ method: 'POST', records: 1 });
      expect(calls.every((c) => typeof c.durationMs === 'number')).to.equal(true);
      const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'platform call failed');
      expect(failed).to.include({ path: '/api/v1/sgs/penalties/batch', error: 'ECONNRESET', records: 1 });
      expect(errors.map((e) => e.kind)).to.deep.equal(['auth', 'transient']);
    });
  });
});

describe('publicity adapters against the fake platform (real HTTP)', () => {
  let fake: FakePlatform | undefined;
  const own: PlatformAdapter[] = [];
  const against = (f: FakePlatform, over: Partial<PlatformConfig> = {}) => {
    const a = createAdapter(cfg({ auth: f.auth, url: f.url, appId: f.appId, appSecret: f.appSecret, timeoutMs: 2000, ...over }));
    own.push(a);
    return a;
  };
  afterEach(async () => {
    for (const a of own.splice(0)) a.close?.();
    await fake?.stop();
    fake = undefined;
  });

  it('token: submits, answers duplicates with the first receipt, and refreshes an expired token transparently', async () => {
    fake = await startFakePlatform({ auth: 'token' });
    const a = against(fake);
    const [first] = (await a.submit('penalty', [upsert('r1', 1)])).results;
    expect(first).to.include({ status: 'accepted' });
    expect(fake.store.get('r1@1')).to.include({ op: 'upsert', kind: 'penalties', receiptId: first.receiptId });
    expect(fake.store.get('r1@1')?.data).to.include({ CF_XDR_MC: '某某化工有限公司', CF_CFLB: '警告;罚款' });

    fake.expireTokens();
    const [again] = (await a.submit('penalty', [upsert('r1', 1)])).results;
    expect(again).to.deep.equal({ recordId: 'r1', version: 1, status: 'duplicate', receiptId: first.receiptId });
    // token, batch, refused batch, token, batch again
    expect(fake.counters).to.include({ requests: 5, tokenRequests: 2, authFailures: 1, batches: 2, unpublishedFieldsReceived: 0 });
    expect(fake.acceptedCount('r1', 1)).to.equal(1);
    expect(fake.receivedCount('r1', 1)).to.equal(2);
  });

  it('token: wrong credentials are an auth error', async () => {
    fake = await startFakePlatform({ auth: 'token' });
    const err = await failure(against(fake, { appSecret: 'wrong' }).submit('penalty', [upsert('r1')]));
    expect(err.kind).to.equal('auth');
    expect(fake.store.size).to.equal(0);
  });

  it('hmac: accepted, duplicate, stale and rejected per record; each version accepted at most once', async () => {
    fake = await startFakePlatform({ auth: 'hmac' });
    const a = against(fake);
    const noNumber = { ...PENALTY, decisionNumber: '' };
    const r1 = await a.submit('penalty', [upsert('a', 1), upsert('b', 2), upsert('c', 1, noNumber)]);
    expect(r1.results.map((r) => r.status)).to.deep.equal(['accepted', 'accepted', 'rejected']);
    expect(r1.results[2]).to.include({ code: 'E_FIELD', field: 'CF_WSH', message: '决定文书号不能为空' });
    const r2 = await a.submit('penalty', [upsert('a', 1), upsert('b', 1), withdraw('a', 2, '信用修复'), upsert('c', 2)]);
    expect(r2.results.map((r) => r.status)).to.deep.equal(['duplicate', 'stale', 'accepted', 'accepted']);
    expect(r2.results[0].receiptId).to.equal(r1.results[0].receiptId);
    expect(fake.store.get('a@2')).to.include({ op: 'withdraw', reason: '信用修复' });
    expect(fake.store.size).to.equal(4);
    expect(fake.maxAcceptedCount()).to.equal(1);
    expect(fake.counters).to.include({ authFailures: 0, unpublishedFieldsReceived: 0 });
  });

  it('hmac: the fake verifies signature, timestamp window and nonce reuse', async () => {
    fake = await startFakePlatform({ auth: 'hmac' });
    const f = fake;
    const post = async (opts: { ts?: number; nonce?: string; secret?: string }) => {
      const body = JSON.stringify({ batchId: randomUUID(), records: [{ recordId: 'x', version: 1, op: 'upsert', data: { CF_XDR_MC: '甲', CF_WSH: '1号' } }] });
      const ts = String(opts.ts ?? Date.now());
      const nonce = opts.nonce ?? randomUUID();
      const sig = createHmac('sha256', opts.secret ?? f.appSecret)
        .update(`${f.appId}\n${ts}\n${nonce}\n${createHash('sha256').update(body).digest('hex')}`)
        .digest('hex');
      const res = await fetch(`${f.url}/api/v1/sgs/penalties/batch`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', 'X-App-Id': f.appId, 'X-Timestamp': ts, 'X-Nonce': nonce, 'X-Signature': sig },
      });
      return { status: res.status, body: (await res.json()) as { code?: string } };
    };
    const nonce = randomUUID();
    expect((await post({ nonce })).status).to.equal(200);
    expect(await post({ nonce })).to.deep.include({ status: 401, body: { code: 'NONCE_REUSED', message: 'nonce 已使用' } });
    expect((await post({ secret: 'wrong' })).body.code).to.equal('SIGNATURE_INVALID');
    expect((await post({ ts: Date.now() - 301_000 })).body.code).to.equal('TIMESTAMP_SKEW');
    expect((await post({ ts: Date.now() + 290_000 })).status).to.equal(200);
    const err = await failure(against(f, { appSecret: 'wrong' }).submit('penalty', [upsert('r1')]));
    expect(err.kind).to.equal('auth');
    expect(f.counters.authFailures).to.equal(4);
  });

  it('over 100 records → 413, a body over 1 MiB → 413, malformed → 400; nothing stored', async () => {
    fake = await startFakePlatform({ auth: 'token' });
    const f = fake;
    // the adapter itself never sends more than 100 (whatever batchSize says)
    const local = await failure(against(f, { batchSize: 500 }).submit('penalty', Array.from({ length: 101 }, (_, i) => upsert(`r${i}`))));
    expect([local.kind, local.status]).to.deep.equal(['badRequest', undefined]);
    expect(f.counters.batches).to.equal(0);

    const tokenRes = await fetch(`${f.url}/auth/token`, { method: 'POST', body: JSON.stringify({ appId: f.appId, appSecret: f.appSecret }) });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const post = async (body: string) => {
      const res = await fetch(`${f.url}/api/v1/sgs/penalties/batch`, { method: 'POST', body, headers: { Authorization: `Bearer ${token}` } });
      return [res.status, ((await res.json()) as { code: string }).code];
    };
    const record = (i: number) => ({ recordId: `r${i}`, version: 1, op: 'upsert', data: { CF_XDR_MC: '甲', CF_WSH: `${i}号` } });
    expect(await post(JSON.stringify({ batchId: 'b', records: Array.from({ length: 101 }, (_, i) => record(i)) }))).to.deep.equal([413, 'TOO_MANY_RECORDS']);
    expect(await post(JSON.stringify({ batchId: 'b', records: [{ ...record(1), data: { CF_XDR_MC: '甲'.repeat(400_000) } }] }))).to.deep.equal([413, 'BODY_TOO_LARGE']);
    expect(await post('not json')).to.deep.equal([400, 'MALFORMED']);
    expect(await post(JSON.stringify({ batchId: 'b', records: [] }))).to.deep.equal([400, 'MALFORMED']);
    expect(await post(JSON.stringify({ batchId: 'b', records: [{ recordId: 'r', version: 1, op: 'upsert' }] }))).to.deep.equal([400, 'MALFORMED']);
    expect(await post(JSON.stringify({ batchId: 'b', records: [record(1)] }))).to.deep.equal([200, undefined]);
    expect(f.store.size).to.equal(1);
  });

  it('injected faults: 503/429 store nothing, a 500 after storing is safe to resend, resets and time-outs are transient', async () => {
    fake = await startFakePlatform({ auth: 'hmac' });
    const a = against(fake, { timeoutMs: 300 });

    fake.faults.next(1, { status: 503, retryAfterSec: 2 });
    let err = await failure(a.submit('penalty', [upsert('r1')]));
    expect([err.kind, err.retryAfterMs]).to.deep.equal(['retryAfter', 2000]);
    fake.faults.next(1, { status: 429, retryAfterSec: 5 });
    err = await failure(a.submit('penalty', [upsert('r1')]));
    expect([err.kind, err.status, err.retryAfterMs]).to.deep.equal(['retryAfter', 429, 5000]);
    expect(fake.store.size).to.equal(0);

    fake.faults.next(1, { status: 500, storeBeforeFailing: true });
    err = await failure(a.submit('penalty', [upsert('r1')]));
    expect([err.kind, err.status]).to.deep.equal(['transient', 500]);
    expect(fake.store.has('r1@1')).to.equal(true);
    const [resent] = (await a.submit('penalty', [upsert('r1')])).results;
    expect(resent).to.deep.equal({ recordId: 'r1', version: 1, status: 'duplicate', receiptId: fake.store.get('r1@1')?.receiptId });

    // a reset on a pooled connection is repeated once on a new one (it may be a connection closed while idle)
    fake.faults.next(2, { reset: true });
    expect((await failure(a.submit('penalty', [upsert('r2')]))).kind).to.equal('transient');
    expect((await a.submit('penalty', [upsert('r2')])).results[0].status).to.equal('accepted'); // pools a connection
    fake.faults.next(1, { reset: true });
    expect((await a.submit('penalty', [upsert('r2', 2)])).results[0].status).to.equal('accepted');
    // but a reset on a new connection is not repeated
    fake.faults.next(1, { reset: true });
    expect((await failure(against(fake).submit('penalty', [upsert('r2', 3)]))).kind).to.equal('transient');
    fake.faults.next(1, { delayMs: 600, storeBeforeFailing: true });
    err = await failure(a.submit('penalty', [upsert('r3')]));
    expect(err.message).to.contain('超时');
    expect(fake.store.has('r3@1'), 'stored although the client timed out').to.equal(true);
    expect(fake.faults.pending).to.equal(0);
    expect(fake.maxAcceptedCount()).to.equal(1);
  });

  it('outage: 503 everywhere or connection refused, then recovery', async () => {
    fake = await startFakePlatform({ auth: 'token' });
    const a = against(fake);
    await fake.faults.outage(true);
    expect((await failure(a.submit('penalty', [upsert('r1')]))).kind).to.equal('retryAfter');
    await fake.faults.outage(true, 'refuse');
    // a new adapter: `a` may still hold a pooled connection the fake just closed (that one fails as a reset)
    const refused = await failure(against(fake).submit('penalty', [upsert('r1')]));
    expect([refused.kind, refused.message]).to.deep.equal(['transient', '平台拒绝连接']);
    await fake.faults.outage(false);
    expect((await a.submit('penalty', [upsert('r1')])).results[0].status).to.equal('accepted');
    expect(fake.store.size).to.equal(1);
  });

  it('a pooled connection the platform closed meanwhile is reopened transparently (fresh signature)', async () => {
    fake = await startFakePlatform({ auth: 'hmac' });
    const a = against(fake);
    for (let i = 1; i <= 3; i++) {
      expect((await a.submit('penalty', [upsert(`r${i}`)])).results[0].status).to.equal('accepted');
      fake.faults.dropConnections();
    }
    expect(fake.counters.authFailures).to.equal(0);
    expect(fake.store.size).to.equal(3);
  });

  it('feedback: pages through reviews with the opaque cursor', async () => {
    fake = await startFakePlatform({ auth: 'hmac' });
    const a = against(fake);
    await a.submit('penalty', [upsert('r1', 1), upsert('r2', 1)]);
    fake.review('r1', 1, 'published');
    fake.review('r2', 1, 'rejected', 'E_REVIEW', '违法事实表述不完整');
    const p1 = await a.feedback(null, 1);
    expect(p1.items).to.have.length(1);
    expect(p1.items[0]).to.include({ recordId: 'r1', version: 1, status: 'published', receiptId: fake.store.get('r1@1')?.receiptId });
    const p2 = await a.feedback(p1.nextCursor, 500);
    expect(p2.items.map((i) => [i.recordId, i.status, i.code, i.message])).to.deep.equal([['r2', 'rejected', 'E_REVIEW', '违法事实表述不完整']]);
    const p3 = await a.feedback(p2.nextCursor, 500);
    expect(p3.items).to.deep.equal([]);
    fake.review('r1', 1, 'rejected', 'E_LATE', '复核不通过');
    expect((await a.feedback(p3.nextCursor, 500)).items.map((i) => i.code)).to.deep.equal(['E_LATE']);
  });

  it('runs as a standalone process: prints its URL, serves the contract and GET /__store', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fakePlatform.ts', '--port', '0', '--auth', 'hmac'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const info = JSON.parse(line) as { url: string; appId: string; appSecret: string; auth: 'hmac'; pid: number };
      expect(info).to.include({ auth: 'hmac', pid: child.pid });
      const a = createAdapter(cfg({ auth: 'hmac', url: info.url, appId: info.appId, appSecret: info.appSecret, timeoutMs: 2000 }));
      own.push(a);
      expect((await a.submit('permit', [upsert('p1', 1, PERMIT)])).results[0].status).to.equal('accepted');
      const snap = (await (await fetch(`${info.url}/__store`)).json()) as { storeSize: number; acceptedCounts: Record<string, number>; records: Array<{ recordId: string }> };
      expect(snap.storeSize).to.equal(1);
      expect(snap.acceptedCounts).to.deep.equal({ 'p1@1': 1 });
      expect(snap.records.map((r) => r.recordId)).to.deep.equal(['p1']);
      await fetch(`${info.url}/__faults`, { method: 'POST', body: JSON.stringify({ next: { n: 1, fault: { status: 503, retryAfterSec: 4 } } }) });
      expect((await failure(a.submit('permit', [upsert('p2', 1, PERMIT)]))).retryAfterMs).to.equal(4000);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
