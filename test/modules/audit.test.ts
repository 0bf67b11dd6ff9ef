import { expect } from 'chai';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { enterpriseBody } from '../support/fixtures.js';
import { apiRoutes } from '../../src/app.js';
import { AuditModel, recordAudit } from '../../src/modules/audit/index.js';

interface Entry {
  id: string;
  at: string;
  action: string;
  resource: string;
  resourceId: string | null;
  outcome: string;
  principalId: string | null;
  requestId: string | null;
}

describe('audit trail (审计日志): GET /api/v1/audit, append-only', () => {
  let t: TestApp;
  let admin: string;
  let clerk: string;
  let clerkId: string;
  let tBetween: Date;
  before(async () => {
    t = await startTestApp('audit');
    admin = await t.key(['admin']);
    clerk = await t.key(['clerk'], { name: '审计测试录入员' });
    for (let n = 1; n <= 3; n++) {
      const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(enterpriseBody(n));
      expect(res.status).to.equal(201);
      clerkId = res.body.createdBy;
    }
    await new Promise((r) => setTimeout(r, 20));
    tBetween = new Date();
    await new Promise((r) => setTimeout(r, 20));
    expect((await t.request.patch(`/api/v1/enterprises/${enterpriseBody(1).uscc}`).set('X-API-Key', clerk).send({ address: '新址' })).status).to.equal(200);
    expect((await t.request.get('/api/v1/enterprises').set('X-API-Key', 'csk_wrong')).status).to.equal(401);
  });
  after(() => t.close());

  const list = (query: Record<string, string | number> = {}) => t.request.get('/api/v1/audit').query(query).set('X-API-Key', admin);

  it('lists entries newest first with who, what, when, where and the request id', async () => {
    const res = await list();
    expect(res.status).to.equal(200);
    const items: Entry[] = res.body.items;
    const times = items.map((e) => new Date(e.at).getTime());
    expect(times).to.deep.equal([...times].sort((a, b) => b - a));
    const update = items.find((e) => e.action === 'enterprise.update')!;
    expect(update).to.include({ resource: 'enterprise', resourceId: enterpriseBody(1).uscc, outcome: 'success', principalId: clerkId });
    expect(update).to.have.keys('id', 'at', 'action', 'resource', 'resourceId', 'outcome', 'principalId', 'principalName', 'roles', 'ip', 'requestId', 'before', 'after', 'detail');
    expect((update as unknown as { before: { address: string } }).before.address).to.equal('深圳市南山区科技园');
    expect((update as unknown as { after: { address: string } }).after.address).to.equal('新址');
    expect(update.requestId).to.be.a('string');
  });

  it('filters by resource, resource id, principal, action, outcome and time', async () => {
    const byResource: Entry[] = (await list({ resource: 'enterprise', limit: 500 })).body.items;
    expect(byResource.map((e) => e.action).sort()).to.deep.equal(['enterprise.create', 'enterprise.create', 'enterprise.create', 'enterprise.update']);
    const byId: Entry[] = (await list({ resourceId: enterpriseBody(1).uscc })).body.items;
    expect(byId.map((e) => e.action)).to.deep.equal(['enterprise.update', 'enterprise.create']);
    const byPrincipal: Entry[] = (await list({ principal: clerkId, limit: 500 })).body.items;
    expect(byPrincipal).to.have.length(4);
    const failures: Entry[] = (await list({ action: 'auth.failed', outcome: 'denied' })).body.items;
    expect(failures).to.have.length(1);
    expect(failures[0].principalId).to.equal(null);
    const since: Entry[] = (await list({ resource: 'enterprise', from: tBetween.toISOString() })).body.items;
    expect(since.map((e) => e.action)).to.deep.equal(['enterprise.update']);
    const until: Entry[] = (await list({ resource: 'enterprise', to: tBetween.toISOString() })).body.items;
    expect(until.map((e) => e.action)).to.deep.equal(['enterprise.create', 'enterprise.create', 'enterprise.create']);
    expect((await list({ resource: 'nothing' })).body.items).to.deep.equal([]);
  });

  it('walks all pages with the cursor, without gaps or repeats', async () => {
    for (let i = 0; i < 7; i++) await recordAudit({ action: 'test.page', resource: 'test', resourceId: String(i), principal: { id: 'p', name: 'p', roles: ['admin'] } });
    const all: Entry[] = (await list({ limit: 500 })).body.items;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(res.status).to.equal(200);
      seen.push(...res.body.items.map((e: Entry) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).to.deep.equal(all.map((e) => e.id));
    expect(new Set(seen).size).to.equal(seen.length);
  });

  it('rejects bad filters with field paths in Chinese', async () => {
    const res = await list({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z', outcome: 'maybe', limit: 0, extra: 1 });
    expect(res.status).to.equal(400);
    expectErrorShape(res.body);
    const paths = res.body.error.details.map((d) => d.path).sort();
    expect(paths).to.deep.equal(['query.extra', 'query.limit', 'query.outcome', 'query.to']);
    expect(res.body.error.details.find((d) => d.path === 'query.to')?.message).to.equal('结束时间不得早于起始时间');
    expect((await list({ cursor: 'garbage' })).status).to.equal(400);
    expect((await list({ from: 'yesterday' })).status).to.equal(400);
  });

  it('only admins read it', async () => {
    const res = await t.request.get('/api/v1/audit').set('X-API-Key', clerk);
    expect(res.status).to.equal(403);
    await expectAudited('auth.forbidden', undefined, { requestId: res.headers['x-request-id'] });
  });

  describe('nothing can change or remove an entry', () => {
    it('the API has no route that writes audit entries', async () => {
      const auditRoutes = apiRoutes.filter((r) => r.path === '/audit' || r.path.startsWith('/audit/'));
      expect(auditRoutes.map((r) => r.method)).to.deep.equal(['get']);
      const one = await AuditModel.findOne().lean();
      for (const method of ['put', 'patch', 'delete'] as const) {
        for (const path of ['/api/v1/audit', `/api/v1/audit/${String(one!._id)}`]) {
          const res = await t.request[method](path).set('X-API-Key', admin).send({ action: 'x' });
          expect(res.status, `${method} ${path}`).to.equal(404);
          expect(res.body.error.code).to.equal('ROUTE_NOT_FOUND');
        }
      }
      expect((await t.request.post('/api/v1/audit').set('X-API-Key', admin).send({ action: 'forged', resource: 'x' })).status).to.equal(404);
      expect(await AuditModel.countDocuments({ action: 'forged' })).to.equal(0);
    });

    it('the model refuses every update and delete path', async () => {
      const doc = await AuditModel.findOne({ action: 'enterprise.update' });
      const id = doc!._id;
      const snapshot = JSON.stringify(await AuditModel.findById(id).lean());
      const attempts: [string, () => Promise<unknown>][] = [
        ['updateOne', () => AuditModel.updateOne({ _id: id }, { $set: { action: 'x' } })],
        ['updateMany', () => AuditModel.updateMany({}, { $set: { action: 'x' } })],
        ['findOneAndUpdate', () => AuditModel.findOneAndUpdate({ _id: id }, { $set: { action: 'x' } })],
        ['findByIdAndUpdate', () => AuditModel.findByIdAndUpdate(id, { $set: { action: 'x' } })],
        ['replaceOne', () => AuditModel.replaceOne({ _id: id }, { action: 'x', resource: 'x', outcome: 'success', at: new Date() })],
        ['findOneAndReplace', () => AuditModel.findOneAndReplace({ _id: id }, { action: 'x', resource: 'x', outcome: 'success', at: new Date() })],
        ['deleteOne', () => AuditModel.deleteOne({ _id: id })],
        ['deleteMany', () => AuditModel.deleteMany({})],
        ['findOneAndDelete', () => AuditModel.findOneAndDelete({ _id: id })],
        ['findByIdAndDelete', () => AuditModel.findByIdAndDelete(id)],
        ['document save', () => Object.assign(doc!, { action: 'x' }).save()],
        ['document deleteOne', () => doc!.deleteOne()],
        ['document updateOne', () => doc!.updateOne({ $set: { action: 'x' } })],
        ['bulkWrite', () => AuditModel.bulkWrite([{ updateOne: { filter: { _id: id }, update: { $set: { action: 'x' } } } }])],
      ];
      for (const [name, attempt] of attempts) {
        let error: unknown;
        try {
          await attempt();
        } catch (err) {
          error = err;
        }
        expect((error as Error | undefined)?.message, name).to.equal('audit entries are append-only');
      }
      expect(JSON.stringify(await AuditModel.findById(id).lean())).to.equal(snapshot);
      expect(await AuditModel.countDocuments({ action: 'x' })).to.equal(0);
    });

    it('new entries can still be appended', async () => {
      await recordAudit({ action: 'test.append', resource: 'test' });
      await expectAudited('test.append');
    });
  });
});
