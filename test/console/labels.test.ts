import { expect } from 'chai';
import { deliveryOutlook } from '../../web/src/labels.js';

/** The message a clerk reads after entering or correcting a record (table of cases). */
describe('console: what happens next to an entered record (deliveryOutlook)', () => {
  const today = '2026-12-01';
  const cases: { name: string; record: Parameters<typeof deliveryOutlook>[0]; done: '录入' | '更正'; tone: 'ok' | 'warn'; includes: string[]; excludes?: string[] }[] = [
    { name: 'within the deadline', record: { published: true, publicityDeadline: '2026-12-08', severity: '一般' }, done: '录入', tone: 'ok', includes: ['将在公示期限（2026-12-08）内报送'] },
    { name: 'a provisional deadline says so', record: { published: true, publicityDeadline: '2027-01-05', provisionalDates: ['publicityDeadline'] }, done: '录入', tone: 'ok', includes: ['2027-01-05（暂定）'] },
    { name: 'deadline today is still on time', record: { published: true, publicityDeadline: today }, done: '录入', tone: 'ok', includes: ['内报送'] },
    { name: 'a 轻微 penalty is never published', record: { published: false, publicityDeadline: '2026-12-08', severity: '轻微' }, done: '录入', tone: 'ok', includes: ['轻微', '不予公示'], excludes: ['将在公示期限'] },
    { name: 'past the deadline: late, counts against 及时率', record: { published: true, publicityDeadline: '2026-11-20' }, done: '录入', tone: 'warn', includes: ['已超过公示期限（2026-11-20', '及时率', '逾期'], excludes: ['将在公示期限'] },
    { name: 'a late correction warns too', record: { published: true, publicityDeadline: '2026-11-20' }, done: '更正', tone: 'warn', includes: ['已更正，但已超过公示期限'] },
    { name: 'a correction on time', record: { published: true, publicityDeadline: '2026-12-08' }, done: '更正', tone: 'ok', includes: ['已更正，将重新报送'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = deliveryOutlook(c.record, c.done, today);
      expect(out.tone).to.equal(c.tone);
      for (const s of c.includes) expect(out.text).to.include(s);
      for (const s of c.excludes ?? []) expect(out.text).not.to.include(s);
    });
  }
});
