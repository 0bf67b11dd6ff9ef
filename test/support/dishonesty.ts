import { expect } from 'chai';
import { addDays, todayInShanghai } from '../../src/lib/calendar.js';
import type { TestApp } from './app.js';
import { enterpriseBody, penaltyBody } from './fixtures.js';

/** Valid resident ID numbers (GB 11643 check characters) for listed persons. */
export const ID_ZHANG = '110105199001011232';
export const ID_LI = '440305198506151233';

export interface Keys {
  clerk: string;
  reviewer: string;
  regulator: string;
  partner: string;
}

/** Dates relative to today, so the tests do not age. */
export const daysAgo = (n: number) => addDays(todayInShanghai(), -n);

/** Registers enterprise n and a penalty of it decided `decidedDaysAgo` days ago; returns the penalty id. */
export async function enterpriseWithPenalty(t: TestApp, keys: Keys, n: number, decidedDaysAgo: number, over: Record<string, unknown> = {}): Promise<{ uscc: string; name: string; penaltyId: string }> {
  const ent = enterpriseBody(n, over);
  const created = await t.request.post('/api/v1/enterprises').set('X-API-Key', keys.clerk).send(ent);
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  const decisionDate = daysAgo(decidedDaysAgo);
  const pen = await t.request
    .post('/api/v1/penalties')
    .set('X-API-Key', keys.clerk)
    .send(penaltyBody(n, { uscc: ent.uscc, subjectName: ent.name, decisionDate, validUntil: addDays(decisionDate, 365), penaltyTypes: ['罚款'], fineAmount: 50 }));
  expect(pen.status, JSON.stringify(pen.body)).to.equal(201);
  return { uscc: ent.uscc, name: ent.name, penaltyId: pen.body.id };
}

/**
 * Runs the whole procedure through HTTP: proposal, notice, service 30 days before the listing, decision
 * `startDaysAgo` days ago (the objection period ended long before). Returns the listed case.
 */
export async function listThroughHttp(
  t: TestApp,
  keys: Keys,
  subject: { uscc: string; penaltyId: string },
  startDaysAgo: number,
  opts: { ground?: string; persons?: unknown[]; decisionNumber?: string; measures?: string[] } = {},
): Promise<{ id: string; body: Record<string, any> }> {
  const { id, decide } = await proposeThroughHttp(t, keys, subject, startDaysAgo, opts);
  const decided = await decide(keys.reviewer);
  expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
  expect(decided.body.status).to.equal('listed');
  return { id, body: decided.body };
}

/**
 * The procedure up to the decision (proposal, notice, service — all by `keys.clerk`); `decide(key)` then
 * sends the listing decision with that key and answers the response.
 */
export async function proposeThroughHttp(
  t: TestApp,
  keys: Pick<Keys, 'clerk'>,
  subject: { uscc: string; penaltyId: string },
  startDaysAgo: number,
  opts: { ground?: string; persons?: unknown[]; decisionNumber?: string; measures?: string[] } = {},
) {
  const proposal = await t.request
    .post('/api/v1/dishonesty-list/proposals')
    .set('X-API-Key', keys.clerk)
    .send({ uscc: subject.uscc, groundCode: opts.ground ?? 'g', penaltyIds: [subject.penaltyId], facts: '该单位对重大事故隐患拒不整改，经责令停产停业后仍擅自组织生产。', proposedOn: daysAgo(startDaysAgo + 32), persons: opts.persons ?? [] });
  expect(proposal.status, JSON.stringify(proposal.body)).to.equal(201);
  const id = proposal.body.id as string;
  const notice = await t.request.post(`/api/v1/dishonesty-list/${id}/notice`).set('X-API-Key', keys.clerk).send({ number: `深应急失信告〔${id.slice(-6)}〕号`, issuedOn: daysAgo(startDaysAgo + 31) });
  expect(notice.status, JSON.stringify(notice.body)).to.equal(200);
  const served = await t.request.post(`/api/v1/dishonesty-list/${id}/notice/service`).set('X-API-Key', keys.clerk).send({ servedOn: daysAgo(startDaysAgo + 30), method: '直接送达', recipient: '办公室主任' });
  expect(served.status, JSON.stringify(served.body)).to.equal(200);
  const decide = (key: string) =>
    t.request
      .post(`/api/v1/dishonesty-list/${id}/decision`)
      .set('X-API-Key', key)
      .send({ outcome: 'list', decidedOn: daysAgo(startDaysAgo), reasons: '事实清楚，证据确凿，符合列入情形', decisionNumber: opts.decisionNumber ?? `深应急失信决〔${id.slice(-6)}〕号`, ...(opts.measures ? { measures: opts.measures } : {}) });
  return { id, decide };
}
