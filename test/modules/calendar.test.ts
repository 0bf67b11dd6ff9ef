import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { enterpriseBody, penaltyBody } from '../support/fixtures.js';
import { expectAudited } from '../support/audit.js';
import { runCli } from '../support/process.js';
import { createRecords, type CallContext } from '../../src/modules/records/index.js';
import { addDays, addMonths, addWorkdays, isWorkday, parseDate, setLoadedSchedules, statutoryHolidays, todayInShanghai } from '../../src/lib/calendar.js';
import { enterpriseWithPenalty } from '../support/dishonesty.js';

/** A real 1×1 PNG: the evidence of a repair application. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** The year's schedule as the calendar counts it now, plus one more day off. */
function scheduleWith(year: number, extraDayOff: string) {
  const holidays = new Set<string>(statutoryHolidays(year).map((h) => h.date));
  const workdays: string[] = [];
  for (const d of days(`${year}-01-01..${year}-12-31`)) {
    const weekend = [0, 6].includes(parseDate(d).getUTCDay());
    if (!weekend && !isWorkday(d)) holidays.add(d);
    if (weekend && isWorkday(d)) workdays.push(d);
  }
  holidays.add(extraDayOff);
  return { holidays: [...holidays].sort(), workdays, source: `测试用 ${year} 年放假安排（增加 ${extraDayOff} 放假）` };
}

/** Expands 'YYYY-MM-DD..YYYY-MM-DD' into each date. */
function days(...ranges: string[]): string[] {
  const out: string[] = [];
  for (const r of ranges) {
    const [from, to = from] = r.split('..');
    for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) <= to; d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/**
 * A plausible test schedule for 2027 (not the official one): 元旦 Fri 01-01 to Mon 01-04 (one weekday more
 * than the statutory rule gives), 春节 from 除夕 Fri 02-05, working Saturday 02-20, and every statutory day.
 */
const SCHEDULE_2027 = {
  holidays: days('2027-01-01..2027-01-04', '2027-02-05..2027-02-12', '2027-04-03..2027-04-05', '2027-05-01..2027-05-05', '2027-06-09', '2027-09-15', '2027-10-01..2027-10-07'),
  workdays: ['2027-02-20', '2027-04-25', '2027-10-09'],
  source: '测试用放假安排（国办发明电〔2026〕X号 格式）',
};

describe('calendar: provisional dates, loading a year’s schedule, recomputing stored deadlines', () => {
  let t: TestApp;
  let admin: string;
  let clerk: string;
  let regulator: string;
  let penaltyId: string;
  let initial: Record<string, unknown>;

  before(async () => {
    setLoadedSchedules([]);
    t = await startTestApp('calendar');
    admin = await t.key(['admin']);
    clerk = await t.key(['clerk']);
    regulator = await t.key(['regulator']);
    expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(enterpriseBody(1))).status).to.equal(201);
    // Decided 2026-12-24 (entered as of 2026-12-28, so the test does not depend on today's date).
    const ctx: CallContext = { principal: { id: 'test-clerk', name: '测试录入', roles: ['clerk'], scope: [], via: 'apiKey' }, source: 'api' };
    const [r] = await createRecords('penalty', [penaltyBody(1, { decisionDate: '2026-12-24', decisionNumber: '深应急罚〔2026〕1224号' })], ctx, { today: '2026-12-28' });
    if (r.status !== 'created') throw new Error(JSON.stringify(r));
    penaltyId = r.id;
  });
  after(async () => {
    setLoadedSchedules([]); // the in-memory table is per process: leave no schedule to other test files
    await t.close();
  });

  it('a penalty decided 2026-12-24 gets a provisional deadline that skips 2027-01-01 (元旦, statutory)', async () => {
    const res = await t.request.get(`/api/v1/penalties/${penaltyId}`).set('X-API-Key', clerk);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    // 12-25 (1), 12-28..12-31 (2–5), 01-01 元旦 off, 01-02/03 weekend, 01-04 (6), 01-05 (7)
    expect(res.body.publicityDeadline).to.equal('2027-01-05');
    expect(res.body.provisionalDates).to.deep.equal(['publicityDeadline']);
    initial = res.body;
  });

  it('GET /calendar/years: 2026 official (library), 2027 provisional (statutory rule) with its source', async () => {
    const res = await t.request.get('/api/v1/calendar/years').set('X-API-Key', regulator);
    expect(res.status).to.equal(200);
    const y2026 = res.body.items.find((i: { year: number }) => i.year === 2026);
    const y2027 = res.body.items.find((i: { year: number }) => i.year === 2027);
    expect(y2026).to.include({ official: true, basis: 'library' });
    expect(y2027).to.include({ official: false, basis: 'statutory' });
    expect(y2027.source).to.match(/全国年节及纪念日放假办法.*第二条.*暂定/);
    const one = await t.request.get('/api/v1/calendar/years/2027').set('X-API-Key', clerk);
    expect(one.status).to.equal(200);
    expect(one.body.statutory.map((h: { date: string }) => h.date)).to.include.members(['2027-01-01', '2027-02-05', '2027-02-08', '2027-04-05', '2027-06-09', '2027-09-15']);
    expect(one.body.daysOff).to.include('2027-01-01').and.not.include('2027-01-04');
    expect(one.body.schedule).to.equal(null);
  });

  it('only an administrator loads a schedule (403 for staff, 401 without credentials)', async () => {
    for (const key of [clerk, regulator]) {
      const res = await t.request.put('/api/v1/calendar/years/2027').set('X-API-Key', key).send(SCHEDULE_2027);
      expect(res.status).to.equal(403);
      expectErrorShape(res.body);
    }
    expect((await t.request.put('/api/v1/calendar/years/2027').send(SCHEDULE_2027)).status).to.equal(401);
  });

  const BAD: [string, Record<string, unknown>, string, RegExp][] = [
    ['a date outside the year', { ...SCHEDULE_2027, holidays: ['2026-12-31', ...SCHEDULE_2027.holidays] }, 'holidays.0', /2027 年内/],
    ['a 调休 working day on a weekday', { ...SCHEDULE_2027, workdays: ['2027-02-22'] }, 'workdays.0', /周六或周日/],
    ['a date both off and worked', { ...SCHEDULE_2027, workdays: ['2027-01-02'] }, 'workdays.0', /既放假又调休上班/],
    ['a statutory holiday missing', { ...SCHEDULE_2027, holidays: SCHEDULE_2027.holidays.filter((d) => d !== '2027-09-15') }, 'holidays', /缺少法定节假日：2027-09-15（中秋节）/],
    ['not a date', { ...SCHEDULE_2027, holidays: ['2027-02-30'] }, 'holidays.0', /./],
    ['duplicate dates', { ...SCHEDULE_2027, holidays: [...SCHEDULE_2027.holidays, '2027-01-01'] }, `holidays.${SCHEDULE_2027.holidays.length}`, /重复/],
    ['no source', { holidays: SCHEDULE_2027.holidays, workdays: [] }, 'source', /必填/],
    ['no holidays', { holidays: [], workdays: [], source: '国办发明电〔2026〕1号' }, 'holidays', /至少/],
  ];
  for (const [name, body, path, message] of BAD) {
    it(`a bad schedule is refused with 400 and the field path: ${name}`, async () => {
      const res = await t.request.put('/api/v1/calendar/years/2027').set('X-API-Key', admin).send(body);
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expectErrorShape(res.body);
      const detail = res.body.error.details.find((d: { path: string }) => d.path === path);
      expect(detail, JSON.stringify(res.body.error.details)).to.not.equal(undefined);
      expect(detail!.message).to.match(message);
    });
  }
  it('a bad year in the path is refused with 400', async () => {
    const res = await t.request.put('/api/v1/calendar/years/abc').set('X-API-Key', admin).send(SCHEDULE_2027);
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].path).to.equal('params.year');
  });

  it('the administrator loads 2027: the deadline is recomputed, no longer provisional, the record’s version and deliveries untouched; audited', async () => {
    const res = await t.request.put('/api/v1/calendar/years/2027').set('X-API-Key', admin).send(SCHEDULE_2027);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ year: 2027, official: true, basis: 'loaded', source: SCHEDULE_2027.source, revision: 1 });
    expect(res.body.recompute.from).to.equal('2027-01-01');
    expect(res.body.recompute.records).to.deep.equal({ scanned: 1, changed: 1 });
    expect(res.body.daysOff).to.include('2027-01-04');
    expect(res.body.workingWeekends).to.deep.equal(SCHEDULE_2027.workdays);

    const after = await t.request.get(`/api/v1/penalties/${penaltyId}`).set('X-API-Key', clerk);
    // 01-04 is now a day off too: 01-05 (6), 01-06 (7)
    expect(after.body.publicityDeadline).to.equal('2027-01-06');
    expect(after.body.provisionalDates).to.deep.equal([]);
    expect(after.body.version).to.equal(initial.version);
    expect(after.body.delivery).to.deep.equal(initial.delivery);
    const versions = await t.request.get(`/api/v1/penalties/${penaltyId}/versions`).set('X-API-Key', clerk);
    expect(versions.body.items ?? versions.body).to.have.length(1);

    const load = await expectAudited('calendar.load', '2027', { outcome: 'success' });
    expect(load.after).to.include({ source: SCHEDULE_2027.source, revision: 1 });
    expect(load.before).to.equal(null);
    const recompute = await expectAudited('calendar.recompute', '2027');
    expect((recompute.detail as { records: unknown }).records).to.deep.equal({ scanned: 1, changed: 1 });

    const list = await t.request.get('/api/v1/calendar/years').set('X-API-Key', clerk);
    expect(list.body.items.find((i: { year: number }) => i.year === 2027)).to.include({ official: true, basis: 'loaded', revision: 1 });
  });

  it('loading the same year again replaces it (revision 2, the audit keeps what it replaced); an unchanged deadline is not rewritten', async () => {
    const res = await t.request.put('/api/v1/calendar/years/2027').set('X-API-Key', admin).send({ ...SCHEDULE_2027, source: '测试用放假安排（第二次导入）' });
    expect(res.status).to.equal(200);
    expect(res.body.revision).to.equal(2);
    expect(res.body.recompute.records).to.deep.equal({ scanned: 1, changed: 0 });
    const load = await expectAudited('calendar.load', '2027', { 'after.revision': 2 } as never);
    expect(load.before).to.include({ revision: 1, source: SCHEDULE_2027.source });
  });

  it('POST /calendar/recompute (admin) reports its counts and is audited', async () => {
    const res = await t.request.post('/api/v1/calendar/recompute').set('X-API-Key', admin).send({ from: '2026-12-01' });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ from: '2026-12-01', records: { scanned: 1, changed: 0 } });
    expect(res.body.repairs).to.deep.equal({ scanned: 0, changed: 0 });
    expect(res.body.dishonestyCases).to.deep.equal({ scanned: 0, changed: 0 });
    expect((await t.request.post('/api/v1/calendar/recompute').set('X-API-Key', clerk).send({})).status).to.equal(403);
  });

  it('loading a schedule recomputes repair time limits and the objection period of a listing procedure (dates relative to today)', async () => {
    const today = todayInShanghai();
    const reviewer = await t.key(['reviewer']);
    const partner = await t.key(['partner']);
    // A repair application submitted today (an eligible 一般 penalty decided 4 months ago, fine paid, corrected).
    expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(enterpriseBody(2))).status).to.equal(201);
    const penalty = await t.request
      .post('/api/v1/penalties')
      .set('X-API-Key', clerk)
      .send(penaltyBody(2, { decisionNumber: '深应急罚〔calendar〕2号', decisionDate: addMonths(today, -4), validUntil: addMonths(today, 8) }));
    expect(penalty.status, JSON.stringify(penalty.body)).to.equal(201);
    const fulfil = await t.request
      .post(`/api/v1/penalties/${penalty.body.id}/fulfilment`)
      .set('X-API-Key', clerk)
      .send({ finePaidDate: addMonths(today, -3), correctionConfirmedDate: addMonths(today, -2), evidence: '缴款书 4403-2026-001；整改复查意见书 深应急复查〔2026〕8号' });
    expect(fulfil.status, JSON.stringify(fulfil.body)).to.equal(200);
    const enterprise = await t.key(['enterprise'], { uscc: penalty.body.uscc });
    const applied = await t.request
      .post('/api/v1/repairs')
      .set('X-API-Key', enterprise)
      .field('recordId', penalty.body.id)
      .field('commitmentText', '本单位郑重承诺：已纠正违法行为并履行全部义务，所提交材料真实有效，如违反承诺自愿接受相应处理。')
      .field('commitmentAccepted', 'true')
      .field('contactName', '王五')
      .field('contactPhone', '13800138000')
      .attach('evidence', PNG, { filename: '缴款凭证.png', contentType: 'image/png' });
    expect(applied.status, JSON.stringify(applied.body)).to.equal(201);
    expect(applied.body.due.acceptance).to.equal(addWorkdays(today, 3));

    // A listing procedure whose notice was served today: the objection period is 5 working days.
    const subject = await enterpriseWithPenalty(t, { clerk, reviewer, regulator, partner }, 3, 200);
    const proposal = await t.request
      .post('/api/v1/dishonesty-list/proposals')
      .set('X-API-Key', clerk)
      .send({ uscc: subject.uscc, groundCode: 'g', penaltyIds: [subject.penaltyId], facts: '该单位对重大事故隐患拒不整改，经责令停产停业后仍擅自组织生产。', proposedOn: addDays(today, -2), persons: [] });
    expect(proposal.status, JSON.stringify(proposal.body)).to.equal(201);
    const caseId = proposal.body.id as string;
    expect((await t.request.post(`/api/v1/dishonesty-list/${caseId}/notice`).set('X-API-Key', clerk).send({ number: '深应急失信告〔calendar〕号', issuedOn: addDays(today, -1) })).status).to.equal(200);
    const served = await t.request.post(`/api/v1/dishonesty-list/${caseId}/notice/service`).set('X-API-Key', clerk).send({ servedOn: today, method: '直接送达', recipient: '办公室主任' });
    expect(served.status, JSON.stringify(served.body)).to.equal(200);
    expect(served.body.objectionPeriod.deadline).to.equal(addWorkdays(today, 5));

    // The next working day becomes a day off in the loaded schedule: both limits move one working day on.
    const extra = addWorkdays(today, 1);
    const year = Number(extra.slice(0, 4));
    const oldAcceptance = applied.body.due.acceptance as string;
    const oldObjection = served.body.objectionPeriod.deadline as string;
    const load = await t.request.put(`/api/v1/calendar/years/${year}`).set('X-API-Key', admin).send(scheduleWith(year, extra));
    expect(load.status, JSON.stringify(load.body)).to.equal(200);
    expect(isWorkday(extra)).to.equal(false);
    const newAcceptance = addWorkdays(today, 3);
    const newObjection = addWorkdays(today, 5);
    expect(newAcceptance > oldAcceptance && newObjection > oldObjection).to.equal(true);
    expect(load.body.recompute.repairs.changed).to.equal(1);
    expect(load.body.recompute.dishonestyCases.changed).to.equal(1);

    const repair = await t.request.get(`/api/v1/repairs/${applied.body.id}`).set('X-API-Key', reviewer);
    expect(repair.body.due.acceptance).to.equal(newAcceptance);
    expect(repair.body.provisionalDates).to.not.include('due.acceptance'); // the loaded year is official
    const listed = await t.request.get(`/api/v1/dishonesty-list/${caseId}`).set('X-API-Key', clerk);
    expect(listed.body.objectionPeriod.deadline).to.equal(newObjection);
    expect(listed.body.service.deadline).to.equal(newObjection);
    const audit = await expectAudited('calendar.recompute', String(year));
    expect(audit.detail).to.deep.include({ repairs: load.body.recompute.repairs, dishonestyCases: load.body.recompute.dishonestyCases });
  });

  describe('CLI: calendar show / load / recompute', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'calendar-cli-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('calendar show lists 2027 as loaded (read from the database by another process)', async () => {
      const { code, stdout } = await runCli(t.dbName, ['calendar', 'show']);
      expect(code).to.equal(0);
      const items = JSON.parse(stdout).items as { year: number; official: boolean; basis: string }[];
      expect(items.find((i) => i.year === 2027)).to.include({ official: true, basis: 'loaded' });
    });

    it('calendar load --year 2028 --file: loads, prints the recompute progress, audited as the CLI', async () => {
      const file = join(dir, '2028.json');
      writeFileSync(file, JSON.stringify({ holidays: statutoryHolidays(2028).map((h) => h.date), workdays: [], source: '测试用 2028 年放假安排' }));
      const { code, stdout, stderr } = await runCli(t.dbName, ['calendar', 'load', '--year', '2028', '--file', file]);
      expect(code, stderr).to.equal(0);
      expect(JSON.parse(stdout)).to.include({ year: 2028, official: true, basis: 'loaded' });
      expect(stderr).to.match(/重算 records：已检查 \d+，已更新 \d+（完成）/);
      expect(stderr).to.match(/重算 dishonestyCases/);
      await expectAudited('calendar.load', '2028', { principalId: 'cli' });
      const show = await runCli(t.dbName, ['calendar', 'show', '--year', '2028']);
      expect(JSON.parse(show.stdout)).to.include({ year: 2028, basis: 'loaded' });
    });

    it('calendar load refuses a bad file with each field path, and writes nothing', async () => {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ holidays: ['2029-01-01', '2028-05-01'], workdays: ['2029-01-03'], source: '测试用放假安排' }));
      const { code, stderr } = await runCli(t.dbName, ['calendar', 'load', '--year', '2029', '--file', file]);
      expect(code).to.equal(2);
      expect(stderr).to.match(/holidays\.1: 2028-05-01：日期须在 2029 年内/);
      expect(stderr).to.match(/workdays\.0: 2029-01-03 不是周六或周日/);
      const show = await runCli(t.dbName, ['calendar', 'show', '--year', '2029']);
      expect(JSON.parse(show.stdout)).to.include({ basis: 'statutory', official: false });
    });

    it('calendar recompute --from prints progress and counts', async () => {
      const { code, stdout, stderr } = await runCli(t.dbName, ['calendar', 'recompute', '--from', '2027-01-01']);
      expect(code, stderr).to.equal(0);
      expect(JSON.parse(stdout)).to.deep.include({ from: '2027-01-01', records: { scanned: 1, changed: 0 } });
      expect(stderr).to.match(/重算 repairs：已检查 \d+，已更新 0（完成）/);
      await expectAudited('calendar.recompute', '2027', { principalId: 'cli' });
    });
  });
});
