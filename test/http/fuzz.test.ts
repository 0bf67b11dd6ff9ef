import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import mongoose from 'mongoose';
import type * as mongo from 'mongodb';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { enterpriseBody, makeUscc, penaltyBody, permitBody } from '../support/fixtures.js';
import { apiRoutes } from '../../src/app.js';
import type { RouteSpec } from '../../src/http/route.js';
import type { Role } from '../../src/modules/auth/index.js';

/**
 * Property-based fuzzing of every JSON write endpoint of apiRoutes (POST/PATCH/PUT/DELETE). Upload
 * routes with a raw (non-JSON) body are not fuzzed here: POST /imports has its own hostile files
 * (test/modules/imports.hostile.test.ts); POST /repairs (multipart) and POST /dishonesty-list/comparisons
 * (raw file) are left to their modules' tests.
 *
 * For each generated request, sent with a role allowed to call the route:
 *  - never a 5xx;
 *  - a 4xx has the documented error shape;
 *  - a 4xx wrote nothing to the database (every collection but audit, apiKeys, jobLocks): on every
 *    request through the driver's command monitoring (no insert/update/delete/findAndModify that changed a
 *    document), and every HASH_EVERY requests by comparing counts and a hash of every document before and after.
 *
 * FUZZ_SEED replays a run (the seed is printed); FUZZ_RUNS scales the number of payloads per route.
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 310);
const HASH_EVERY = 200;
const EXCLUDED = new Set(['audit', 'apiKeys', 'jobLocks']);

// ---------------------------------------------------------------- hostile values

/** A raw JSON token spliced into the serialized body (JSON.stringify cannot write 1e309 or -0). */
const RAW = '\u0001RAW\u0001';
const raw = (token: string) => `${RAW}${token}`;

const HUGE = ['x'.repeat(70_000), '测'.repeat(40_000), '\u{1F4A9}'.repeat(20_000)];
const deep = (depth: number, leaf: unknown, asArray: boolean): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
};

const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    'x\uDFFFy',
    '\uFEFF',
    '\u202E反转',
    '=cmd|" /C calc"!A0',
    '<script>alert(1)</script>',
    "'; DROP TABLE records; --",
    '{"$gt":""}',
    '../../etc/passwd',
    '%00',
    'NaN',
    'Infinity',
    '-0',
    '1e309',
    'null',
    'true',
    '0x1F',
    '  2026-11-02  ',
  ),
  fc.constantFrom(...HUGE),
);
const oddDate = fc.constantFrom(
  '2026-02-30',
  '2026-13-01',
  '2026-00-10',
  '0000-00-00',
  '9999-12-31',
  '10000-01-01',
  '2026-11-02T25:00:00Z',
  '2026-11-02T00:00:00+08:00',
  '2026/11/02',
  '20261102',
  'yesterday',
  '1970-01-01',
  '-002026-11-02',
);
const oddNumber = fc.oneof(
  fc.constantFrom(raw('1e309'), raw('-1e309'), raw('-0'), raw('1e-400'), raw('123456789012345678901234567890'), raw('0.1e1'), raw('1E2')),
  fc.constantFrom(0, -1, 2 ** 53, -(2 ** 53), 1e300, 0.5, 1e-7, 2100, 1999),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const oddKey = fc.oneof(
  fc.constantFrom('$where', '$gt', 'a.b', '__proto__', 'constructor', 'prototype', '', ' ', '\u0000', '$', '.', 'toString', 'hasOwnProperty', 'id', '_id', 'version', 'delivery'),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  oddDate,
  oddNumber,
  fc.constantFrom(null, true, false, [], {}, [null], [[]], { $gt: '' }, { 'a.b': 1 }, { _bsontype: 'ObjectId', id: 'x' }, { __proto__: { admin: true } }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileLeaf },
  { weight: 1, arbitrary: fc.array(hostileLeaf, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(oddKey, hostileLeaf, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 10, max: 3000 }), hostileLeaf, fc.boolean()).map(([d, leaf, arr]) => deep(d, leaf, arr)) },
);

// ---------------------------------------------------------------- plausible bodies from the joi schemas

interface Described {
  type: string;
  flags?: { only?: boolean; presence?: string; default?: unknown };
  allow?: unknown[];
  keys?: Record<string, Described>;
  items?: Described[];
  metas?: { format?: string }[];
  rules?: { name: string; args?: { limit?: number } }[];
  whens?: { then?: Described }[];
}

interface Ctx {
  uscc: string;
  n: number;
}

/** A value the schema would likely accept (used as the base that the fuzzer then breaks). */
function sample(d: Described, key: string, ctx: Ctx): unknown {
  if (d.whens?.[0]?.then) return sample(d.whens[0].then, key, ctx);
  if (d.allow?.length && d.flags?.only) return d.allow.find((a) => a !== null && typeof a !== 'object');
  const format = d.metas?.find((m) => m.format)?.format;
  const min = d.rules?.find((r) => r.name === 'min')?.args?.limit;
  switch (d.type) {
    case 'string':
      if (format === 'date') return '2026-11-02';
      if (format === 'uscc' || /uscc/i.test(key)) return ctx.uscc;
      if (/district/i.test(key)) return '440305';
      return 'x'.repeat(Math.max(min ?? 4, 4));
    case 'number':
      return Math.max(min ?? 1, 1);
    case 'boolean':
      return true;
    case 'date':
      return '2026-11-02T00:00:00.000Z';
    case 'array':
      return d.items?.[0] ? Array.from({ length: Math.max(min ?? 1, 1) }, () => sample(d.items![0], key, ctx)) : [];
    case 'object':
      return Object.fromEntries(Object.entries(d.keys ?? {}).map(([k, v]) => [k, sample(v, k, ctx)]));
    default:
      return 'x';
  }
}

function baseBody(route: RouteSpec, ctx: Ctx): Record<string, unknown> {
  const key = `${route.method.toUpperCase()} ${route.path}`;
  switch (key) {
    case 'POST /enterprises':
      return enterpriseBody(ctx.n);
    case 'POST /enterprises/batch':
      return { enterprises: [enterpriseBody(ctx.n), enterpriseBody(ctx.n + 1)] };
    case 'POST /penalties':
      return penaltyBody(ctx.n);
    case 'POST /permits':
      return permitBody(ctx.n);
    case 'POST /penalties/batch':
      return { records: [penaltyBody(ctx.n), penaltyBody(ctx.n + 1)] };
    case 'POST /permits/batch':
      return { records: [permitBody(ctx.n), permitBody(ctx.n + 1)] };
  }
  const d = route.body?.describe() as Described | undefined;
  const s = d ? sample(d, '', ctx) : {};
  return s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : {};
}

/** One mutation of a body: break a field, drop it, add a stranger, or nest the damage. */
type Mutation = { op: 'set' | 'delete' | 'nested'; pick: number; value: unknown } | { op: 'extra'; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('set' as const, 'delete' as const, 'nested' as const), pick: fc.nat(), value: hostileValue }),
  fc.record({ op: fc.constant('extra' as const), key: oddKey, value: hostileValue }),
);

function applyMutation(body: Record<string, unknown>, m: Mutation): void {
  if (m.op === 'extra') {
    Object.defineProperty(body, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    return;
  }
  const keys = Object.keys(body);
  if (keys.length === 0) return;
  const k = keys[m.pick % keys.length];
  const current = body[k];
  if (m.op === 'delete') delete body[k];
  else if (m.op === 'set') body[k] = m.value;
  else if (Array.isArray(current) && current.length > 0 && current[0] && typeof current[0] === 'object') {
    // Break one field of one element (batch records, lists of objects).
    const el = { ...(current[m.pick % current.length] as Record<string, unknown>) };
    const ek = Object.keys(el);
    if (ek.length) el[ek[m.pick % ek.length]] = m.value;
    body[k] = current.map((c, i) => (i === m.pick % current.length ? el : c));
  } else if (current && typeof current === 'object') {
    const inner = { ...(current as Record<string, unknown>) };
    const ik = Object.keys(inner);
    inner[ik.length ? ik[m.pick % ik.length] : 'x'] = m.value;
    body[k] = inner;
  } else body[k] = m.value;
}

/** The serialized request body: JSON (with raw number tokens), or one of a few non-JSON shapes. */
interface Payload {
  text: string | Buffer;
  contentType: string;
}
const RAW_RE = new RegExp(`"${RAW}([^"]*)"`, 'g');
const toJson = (v: unknown) => JSON.stringify(v).replace(RAW_RE, '$1');

const weirdPayload: fc.Arbitrary<Payload> = fc.oneof(
  fc.constantFrom<Payload>(
    { text: '', contentType: 'application/json' },
    { text: '{', contentType: 'application/json' },
    { text: '{"a":1,}', contentType: 'application/json' },
    { text: 'null', contentType: 'application/json' },
    { text: '"just a string"', contentType: 'application/json' },
    { text: '12', contentType: 'application/json' },
    { text: '{"a":NaN}', contentType: 'application/json' },
    { text: '{"records":[1e309]}', contentType: 'application/json' },
    { text: `{"x":"${'a'.repeat(1_100_000)}"}`, contentType: 'application/json' },
    { text: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
    { text: '<xml/>', contentType: 'application/xml' },
    { text: '{"name":"x"}', contentType: 'text/plain' },
    { text: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), contentType: 'application/json' },
    { text: Buffer.from('{"name":"测试"}', 'utf16le'), contentType: 'application/json; charset=utf-16' },
    { text: '{"name":"x"}', contentType: 'application/json; charset=gbk' },
    { text: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}', contentType: 'application/json' },
    { text: `${'['.repeat(20_000)}${']'.repeat(20_000)}`, contentType: 'application/json' },
    { text: `{"a":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, contentType: 'application/json' },
  ),
  hostileValue.map((v) => ({ text: toJson(v) ?? 'null', contentType: 'application/json' })),
);

interface Generated {
  n: number;
  paramPick: number[];
  payload: { kind: 'mutated'; mutations: Mutation[] } | { kind: 'weird'; payload: Payload } | { kind: 'valid' };
  extraQuery: [string, string] | null;
}
const generated: fc.Arbitrary<Generated> = fc.record({
  n: fc.integer({ min: 100_000, max: 900_000 }),
  paramPick: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
  payload: fc.oneof(
    { weight: 12, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }).map((mutations) => ({ kind: 'mutated' as const, mutations })) },
    { weight: 3, arbitrary: weirdPayload.map((payload) => ({ kind: 'weird' as const, payload })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'valid' as const }) },
  ),
  extraQuery: fc.option(fc.tuple(fc.constantFrom('a[$gt]', 'limit', '__proto__[x]', 'dryRun', 'uscc'), fc.constantFrom('1', '', '$ne', '%00', 'x'.repeat(5000))), { freq: 5 }),
});

// ---------------------------------------------------------------- database snapshots

async function collections(): Promise<string[]> {
  const list = await mongoose.connection.db!.listCollections({}, { nameOnly: true }).toArray();
  return list.map((c) => c.name).filter((n) => !EXCLUDED.has(n)).sort();
}

const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify', 'create', 'drop', 'createIndexes', 'dropIndexes']);

/** Effective writes seen by the driver since the last `take()`: `collection:command`, for writes that changed something. */
function watchWrites(client: mongo.MongoClient) {
  const started = new Map<number, string>();
  let seen: string[] = [];
  client.on('commandStarted', (e) => {
    if (!WRITE_COMMANDS.has(e.commandName)) return;
    const coll = String(e.command[e.commandName]);
    if (!EXCLUDED.has(coll)) started.set(e.requestId, `${coll}:${e.commandName}`);
  });
  client.on('commandSucceeded', (e) => {
    const what = started.get(e.requestId);
    if (!what) return;
    started.delete(e.requestId);
    const r = e.reply as { n?: number; nModified?: number; upserted?: unknown[]; value?: unknown; lastErrorObject?: { n?: number } };
    const changed =
      e.commandName === 'update' ? (r.nModified ?? 0) > 0 || (r.upserted?.length ?? 0) > 0 : e.commandName === 'findAndModify' ? r.value != null || (r.lastErrorObject?.n ?? 0) > 0 : e.commandName === 'insert' || e.commandName === 'delete' ? (r.n ?? 0) > 0 : true;
    if (changed) seen.push(what);
  });
  client.on('commandFailed', (e) => started.delete(e.requestId));
  return {
    peek: (): readonly string[] => seen,
    take(): string[] {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

/** Per collection: its document count, and a hash of every document (sorted by _id). */
async function fullSnapshot(): Promise<string> {
  const db = mongoose.connection.db!;
  const h = createHash('sha256');
  for (const name of await collections()) {
    h.update(`#${name}:${await db.collection(name).countDocuments({})}`);
    for await (const doc of db.collection(name).find({}).sort({ _id: 1 })) h.update(JSON.stringify(doc));
  }
  return h.digest('hex');
}

// ---------------------------------------------------------------- the run

describe('fuzz: every JSON write endpoint answers hostile payloads without a 5xx or a partial write', function () {
  this.timeout(600_000);
  let t: TestApp;
  let server: http.Server;
  let base: string;
  const keys = {} as Record<Role, string>;
  const ids = {} as Record<string, string>;
  let enterpriseUscc: string;
  let total = 0;
  let writes: ReturnType<typeof watchWrites>;
  const statuses = new Map<number, number>();

  before(async () => {
    process.stdout.write(`      FUZZ_SEED=${SEED} (replay: FUZZ_SEED=${SEED} npx mocha test/http/fuzz.test.ts)\n`);
    t = await startTestApp('fuzz', { rateLimit: { perMinute: 0, ipPerMinute: 0 } });
    // Reconnect the same database with command monitoring on (it is fixed when the driver's connections are made).
    await mongoose.disconnect();
    await mongoose.connect(process.env.TEST_MONGODB_URI!, { dbName: t.dbName, monitorCommands: true, serverSelectionTimeoutMS: 5000 });
    writes = watchWrites(mongoose.connection.getClient());
    // One listening server for the whole run; successful requests that wrote something are reported to the
    // app's audit check (a batch whose every record was refused answers 200 and writes nothing).
    server = http.createServer((req, res) => {
      if (req.method !== 'GET') {
        res.on('finish', () => {
          if (res.statusCode >= 200 && res.statusCode < 300 && writes.peek().length > 0) t.writes.push({ method: req.method!, url: req.url ?? '', status: res.statusCode, requestId: String(res.getHeader('x-request-id')) });
        });
      }
      t.app(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;

    enterpriseUscc = makeUscc(7, '440305');
    for (const role of ['admin', 'clerk', 'reviewer', 'regulator', 'partner'] as Role[]) keys[role] = await t.key([role]);
    keys.enterprise = await t.key(['enterprise'], { uscc: enterpriseUscc });
    const clerk = { 'X-API-Key': keys.clerk };
    expect((await t.request.post('/api/v1/enterprises').set(clerk).send(enterpriseBody(7))).status).to.equal(201);
    const pen = await t.request.post('/api/v1/penalties').set(clerk).send(penaltyBody(7));
    expect(pen.status, JSON.stringify(pen.body)).to.equal(201);
    ids.penalty = pen.body.id;
    const per = await t.request.post('/api/v1/permits').set(clerk).send(permitBody(7));
    expect(per.status, JSON.stringify(per.body)).to.equal(201);
    ids.permit = per.body.id;
    const hz = await t.request.post(`/api/v1/enterprises/${enterpriseUscc}/hazards`).set(clerk).send({ foundDate: '2026-11-02', major: false, description: '消防通道堵塞' });
    if (hz.status === 201) ids.hazard = hz.body.id;
    expect(writes.take(), 'the write monitor sees the seeding writes').to.include.members(['records:insert']);
  });

  after(async () => {
    const byStatus = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, c]) => `${s}×${c}`).join(' ');
    process.stdout.write(`      fuzz: ${total} requests (seed ${SEED}): ${byStatus}\n`);
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await t?.close();
  });

  /** Path parameters: the seeded resources mostly, otherwise unknown or malformed ones. */
  function pathFor(route: RouteSpec, pick: number[]): string {
    let i = 0;
    return route.path.replace(/:(\w+)/g, (_m, name: string) => {
      const p = pick[i++ % pick.length] % 8;
      if (p === 6) return encodeURIComponent(['0'.repeat(24), 'zz', '%00', '$gt', 'a'.repeat(300), '..'][pick[0] % 6]);
      if (p === 7) return randomBytes(12).toString('hex');
      if (name === 'uscc') return enterpriseUscc;
      if (route.path.startsWith('/penalties')) return ids.penalty;
      if (route.path.startsWith('/permits')) return ids.permit;
      if (route.path.includes('/hazards/')) return ids.hazard ?? randomBytes(12).toString('hex');
      return randomBytes(12).toString('hex');
    });
  }

  function roleFor(route: RouteSpec): Role {
    const roles = 'roles' in route.access ? route.access.roles : [];
    return roles[0] ?? 'admin';
  }

  async function send(route: RouteSpec, g: Generated): Promise<{ status: number; body: unknown; text: string }> {
    let payload: Payload;
    if (g.payload.kind === 'weird') payload = g.payload.payload;
    else {
      const body = baseBody(route, { uscc: enterpriseUscc, n: g.n });
      if (g.payload.kind === 'mutated') for (const m of g.payload.mutations) applyMutation(body, m);
      payload = { text: toJson(body), contentType: 'application/json' };
    }
    const q = g.extraQuery ? `?${encodeURIComponent(g.extraQuery[0])}=${encodeURIComponent(g.extraQuery[1])}` : '';
    const res = await fetch(`${base}${pathFor(route, g.paramPick)}${q}`, {
      method: route.method.toUpperCase(),
      headers: { 'X-API-Key': keys[roleFor(route)], 'Content-Type': payload.contentType },
      body: payload.text,
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body, text };
  }

  const routes = apiRoutes.filter((r) => r.method !== 'get' && !r.rawBody);

  it('covers every JSON write route (raw-body upload routes are listed above)', () => {
    expect(routes.length).to.be.greaterThan(20);
    const raws = apiRoutes.filter((r) => r.method !== 'get' && r.rawBody).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(raws.sort()).to.deep.equal(['POST /dishonesty-list/comparisons', 'POST /imports', 'POST /repairs']);
  });

  it('a lone UTF-16 surrogate in text is refused (found by this fuzzer: stored as U+FFFD, the natural key missed and the batch answered 500 after a partial write)', async () => {
    const body = penaltyBody(555_555, { decisionNumber: '深应急罚〔2026〕\uDFFF号' });
    for (const path of ['/api/v1/penalties', '/api/v1/penalties/batch']) {
      for (let i = 0; i < 2; i++) {
        const res = await t.request.post(path).set('X-API-Key', keys.clerk).send(path.endsWith('batch') ? { records: [body] } : body);
        expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 400]);
        const err = res.status === 400 ? res.body.error : res.body.results?.[0];
        expect(JSON.stringify(err), JSON.stringify(res.body)).to.include('decisionNumber');
      }
    }
    expect(await mongoose.connection.db!.collection('records').countDocuments({ 'data.subjectName': '测试安全生产企业555555有限公司' })).to.equal(0);
  });

  for (const route of routes) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      await fc.assert(
        fc.asyncProperty(generated, async (g) => {
          const full = total % HASH_EVERY === 0;
          const before = full ? await fullSnapshot() : '';
          writes.take();
          const res = await send(route, g);
          total++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, `5xx: ${res.text.slice(0, 500)}`).to.be.lessThan(500);
          if (res.status >= 400) {
            expectErrorShape(res.body);
            const code = (res.body as { error: { code: string } }).error.code;
            expect(writes.take(), `a ${res.status} ${code} wrote to the database`).to.deep.equal([]);
            if (full) expect(await fullSnapshot(), `a ${res.status} ${code} changed the database`).to.equal(before);
          }
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    });
  }
});
