import { expect } from 'chai';
import { districtFullName, districtLabel, districtName, industryDivision, industryLabel, industryName } from '../../web/src/names.js';

describe('console: names of districts (GB/T 2260) and industries (GB/T 4754-2017)', () => {
  const districts: [string | null, string, string][] = [
    ['440305', '南山区', '广东省深圳市南山区'],
    ['440306', '宝安区', '广东省深圳市宝安区'],
    ['440300', '深圳市', '广东省深圳市'],
    ['440000', '广东省', '广东省'],
    ['110105', '朝阳区', '北京市朝阳区'],
    ['220104', '朝阳区', '吉林省长春市朝阳区'],
    ['999999', '999999', '999999'],
    [null, '—', '—'],
  ];
  for (const [code, name, full] of districts) {
    it(`district ${code} → ${name} / ${full}`, () => {
      expect(districtName(code)).to.equal(name);
      expect(districtFullName(code)).to.equal(full);
    });
  }
  it('a district label carries its code only when the code is named', () => {
    expect(districtLabel('440305')).to.equal('南山区（440305）');
    expect(districtLabel('999999')).to.equal('999999');
  });

  const industries: [string | null, string, string | null][] = [
    ['C2614', '化学原料和化学制品制造业', 'C26'],
    ['C26', '化学原料和化学制品制造业', 'C26'],
    ['C2', '制造业', 'C'],
    ['C', '制造业', 'C'],
    ['B0610', '煤炭开采和洗选业', 'B06'],
    ['G5430', '道路运输业', 'G54'],
    ['E4710', '房屋建筑业', 'E47'],
    ['T9700', '国际组织', 'T97'],
    ['Z12', 'Z12', null],
    [null, '—', null],
  ];
  for (const [code, name, division] of industries) {
    it(`industry ${code} → ${name} (division ${division})`, () => {
      expect(industryName(code)).to.equal(name);
      if (code) expect(industryDivision(code)).to.equal(division);
    });
  }
  it('an industry label carries the exact code', () => {
    expect(industryLabel('C2614')).to.equal('化学原料和化学制品制造业（C2614）');
    expect(industryLabel(null)).to.equal('—');
  });
});
