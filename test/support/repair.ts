import { expect } from 'chai';
import type supertest from 'supertest';
import { addMonths, todayInShanghai } from '../../src/lib/calendar.js';
import type { TestApp } from './app.js';
import { penaltyBody } from './fixtures.js';

/** A real 1×1 PNG: the evidence of the repair applications made in tests. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A credit repair application (multipart) for a record, with the given credential headers. */
export function applyForRepair(agent: ReturnType<typeof supertest>, headers: Record<string, string>, recordId: string) {
  let req = agent.post('/api/v1/repairs');
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  return req
    .field('recordId', recordId)
    .field('commitmentText', '本单位郑重承诺：已纠正违法行为并履行全部义务，所提交材料真实有效，如违反承诺自愿接受相应处理。')
    .field('commitmentAccepted', 'true')
    .field('contactName', '王五')
    .field('contactPhone', '13800138000')
    .attach('evidence', PNG, { filename: '缴款凭证.png', contentType: 'image/png' });
}

/** A penalty of enterprise n decided 4 months ago, fine paid and corrected: eligible for repair today. Returns its id. */
export async function repairablePenalty(t: TestApp, clerk: string, n: number, decisionNumber: string, over: Record<string, unknown> = {}): Promise<string> {
  const today = todayInShanghai();
  const penalty = await t.request
    .post('/api/v1/penalties')
    .set('X-API-Key', clerk)
    .send(penaltyBody(n, { decisionNumber, decisionDate: addMonths(today, -4), validUntil: addMonths(today, 8), ...over }));
  expect(penalty.status, JSON.stringify(penalty.body)).to.equal(201);
  const fulfilment = await t.request
    .post(`/api/v1/penalties/${penalty.body.id}/fulfilment`)
    .set('X-API-Key', clerk)
    .send({ finePaidDate: addMonths(today, -3), correctionConfirmedDate: addMonths(today, -3), evidence: '缴款书及整改复查意见书' });
  expect(fulfilment.status, JSON.stringify(fulfilment.body)).to.equal(200);
  return penalty.body.id as string;
}
