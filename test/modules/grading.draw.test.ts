import { expect } from 'chai';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { drawCount, drawPlan, dueBy, PlanConflict, sample, supervisionPolicy, supervisionPolicySchema, type Inspector, type PlanEnterprise, type PlanInput, type SupervisionPolicy } from '../../src/modules/grading/draw.js';
import { makeUscc } from '../support/fixtures.js';
import type { Tier } from '../../src/modules/grading/scorecard.js';

const POLICY: SupervisionPolicy = structuredClone(supervisionPolicy());

function population(counts: Record<Tier, number>): PlanEnterprise[] {
  const out: PlanEnterprise[] = [];
  let n = 1;
  for (const tier of ['A', 'B', 'C', 'D'] as Tier[]) {
    for (let i = 0; i < counts[tier]; i++, n++) out.push({ uscc: makeUscc(9000 + n, '440305'), name: `企业${n}`, tier, score: 50, graded: true });
  }
  return out;
}

const inspectors = (n: number, excluded: Record<string, string[]> = {}): Inspector[] =>
  Array.from({ length: n }, (_, i) => ({ id: `I${String(i + 1).padStart(2, '0')}`, name: `执法人员${i + 1}`, excludedUsccs: excluded[`I${String(i + 1).padStart(2, '0')}`] ?? [] }));

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  year: 2027,
  district: '440305',
  seed: 42,
  enterprises: population({ A: 40, B: 60, C: 20, D: 5 }),
  inspectors: inspectors(8),
  jointInspectionUsccs: [],
  ...over,
});

describe('grading/draw — supervision plans and the 双随机 draw (pure)', () => {
  it('the shipped policy is valid and has the values these tests rely on', () => {
    expect(supervisionPolicySchema.validate(POLICY).error).to.equal(undefined);
    expect(POLICY.tiers).to.deep.equal({
      A: { inspectionsPerYear: 1, randomShare: 0.03, coverAll: false },
      B: { inspectionsPerYear: 1, randomShare: 0.1, coverAll: false },
      C: { inspectionsPerYear: 2, randomShare: 0.3, coverAll: false },
      D: { inspectionsPerYear: 4, randomShare: 1, coverAll: true },
    });
    expect(POLICY.inspectorsPerInspection).to.equal(2);
    expect(POLICY.ungradedTier).to.equal('B');
  });

  it('required inspections by tier, then the per-tier share drawn at random', () => {
    const { items, summary } = drawPlan(input(), POLICY);
    // A: ⌈40×3%⌉ = 2, B: 6, C: 6 (2 rounds each), D: all 5 (4 rounds each)
    expect(summary.tiers.A).to.deep.equal({ enterprises: 40, eligible: 40, selected: 2, inspections: 2 });
    expect(summary.tiers.B).to.deep.equal({ enterprises: 60, eligible: 60, selected: 6, inspections: 6 });
    expect(summary.tiers.C).to.deep.equal({ enterprises: 20, eligible: 20, selected: 6, inspections: 12 });
    expect(summary.tiers.D).to.deep.equal({ enterprises: 5, eligible: 5, selected: 5, inspections: 20 });
    expect(summary).to.include({ enterprises: 125, selected: 19, inspections: 40, jointExcluded: 0 });
    expect(items).to.have.length(40);
    expect(items.map((i) => i.seq)).to.deep.equal(items.map((_, k) => k + 1));
    const d = items.filter((i) => i.tier === 'D');
    expect(d.every((i) => i.kind === 'required')).to.equal(true);
    expect(new Set(d.map((i) => i.uscc)).size).to.equal(5);
    // quarterly: due by the end of each quarter
    expect(d.filter((i) => i.uscc === d[0].uscc).map((i) => [i.round, i.dueBy])).to.deep.equal([
      [1, '2027-03-31'],
      [2, '2027-06-30'],
      [3, '2027-09-30'],
      [4, '2027-12-31'],
    ]);
    expect(items.filter((i) => i.tier !== 'D').every((i) => i.kind === 'random')).to.equal(true);
    for (const it of items) {
      expect(it.inspectors).to.have.length(2);
      expect(it.inspectors[0].id).to.not.equal(it.inspectors[1].id);
    }
  });

  it('the same seed and inputs give the same plan, whatever the order of the inputs', () => {
    const a = drawPlan(input(), POLICY);
    const shuffled = input();
    shuffled.enterprises.reverse();
    shuffled.inspectors.reverse();
    const b = drawPlan(shuffled, POLICY);
    expect(b).to.deep.equal(a);
  });

  it('another seed gives another draw', () => {
    const a = drawPlan(input({ seed: 42 }), POLICY);
    const b = drawPlan(input({ seed: 43 }), POLICY);
    expect(b.items.map((i) => [i.uscc, i.inspectors.map((x) => x.id)])).to.not.deep.equal(a.items.map((i) => [i.uscc, i.inspectors.map((x) => x.id)]));
    expect(b.summary).to.deep.equal(a.summary);
  });

  it('enterprises in a joint cross-department inspection are never drawn again', () => {
    const base = input();
    const joint = base.enterprises.filter((e) => e.tier === 'B').slice(0, 55).map((e) => e.uscc);
    for (let seed = 1; seed <= 20; seed++) {
      const { items, summary } = drawPlan({ ...base, seed, jointInspectionUsccs: joint }, POLICY);
      expect(items.filter((i) => joint.includes(i.uscc))).to.deep.equal([]);
      expect(summary.tiers.B).to.deep.include({ eligible: 5, selected: 1 });
      expect(summary.jointExcluded).to.equal(55);
    }
  });

  it('a joint inspection does not lift the key supervision of a D enterprise', () => {
    const base = input();
    const d = base.enterprises.filter((e) => e.tier === 'D').map((e) => e.uscc);
    const { summary } = drawPlan({ ...base, jointInspectionUsccs: d }, POLICY);
    expect(summary.tiers.D).to.deep.include({ selected: 5, inspections: 20 });
  });

  it('inspectors with a conflict of interest are never assigned to that enterprise', () => {
    const base = input();
    const target = base.enterprises.find((e) => e.tier === 'D')!.uscc;
    const ins = inspectors(4, { I01: [target], I02: [target] });
    for (let seed = 1; seed <= 20; seed++) {
      const { items } = drawPlan({ ...base, seed, inspectors: ins }, POLICY);
      const mine = items.filter((i) => i.uscc === target);
      expect(mine).to.have.length(4);
      for (const it of mine) expect(it.inspectors.map((x) => x.id).sort()).to.deep.equal(['I03', 'I04']);
    }
  });

  it('names every enterprise left with too few inspectors', () => {
    const base = input();
    const ds = base.enterprises.filter((e) => e.tier === 'D').map((e) => e.uscc);
    const ins = inspectors(3, { I01: ds.slice(0, 2), I02: ds.slice(0, 2) });
    expect(() => drawPlan({ ...base, inspectors: ins }, POLICY))
      .to.throw(PlanConflict)
      .with.property('usccs')
      .that.deep.equals(ds.slice(0, 2).sort());
  });

  it('every drawn inspector appears with roughly equal frequency (uniform draw)', () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 40; seed++) {
      for (const it of drawPlan(input({ seed }), POLICY).items) for (const x of it.inspectors) counts.set(x.id, (counts.get(x.id) ?? 0) + 1);
    }
    const values = [...counts.values()];
    expect(values).to.have.length(8);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    for (const v of values) expect(Math.abs(v - mean) / mean).to.be.below(0.15);
  });

  const counts: [number, number, number][] = [
    [0, 0.5, 0],
    [10, 0, 0],
    [10, 0.3, 3],
    [40, 0.03, 2],
    [1, 0.01, 1],
    [7, 1, 7],
    [3, 0.34, 2],
  ];
  for (const [n, share, k] of counts) it(`drawCount(${n}, ${share}) = ${k}`, () => expect(drawCount(n, share)).to.equal(k));

  it('sample draws distinct items, all of them when asked for more', () => {
    const rng = xoroshiro128plus(7);
    const s = sample(rng, [1, 2, 3, 4, 5], 3);
    expect(new Set(s).size).to.equal(3);
    expect(sample(xoroshiro128plus(7), [1, 2, 3], 10).sort()).to.deep.equal([1, 2, 3]);
  });

  it('dueBy spreads rounds over the year', () => {
    expect(dueBy(2027, 1, 1)).to.equal('2027-12-31');
    expect([1, 2].map((r) => dueBy(2027, r, 2))).to.deep.equal(['2027-06-30', '2027-12-31']);
    expect(dueBy(2028, 1, 6)).to.equal('2028-02-29');
  });
});
