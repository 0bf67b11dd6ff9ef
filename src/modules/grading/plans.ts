import { createHash, randomInt } from 'node:crypto';
import type { Response } from 'express';
import mongoose, { Schema } from 'mongoose';
import { AppError } from '../../http/errors.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { recordAudit } from '../audit/index.js';
import { assertInScope, districtFilter, scopeFilter, type Principal } from '../auth/index.js';
import { EnterpriseModel } from '../enterprises/index.js';
import { drawPlan, PlanConflict, planPolicy, supervisionPolicy, type Inspector, type PlanEnterprise, type PlanInput, type PlanItem, type PlanPolicy, type PlanSummary, type SupervisionPolicy } from './draw.js';
import { streamTable, type TableFormat } from './export.js';
import { gradesOf } from './current.js';

/** 年度检查计划: the draw's inputs (population with tiers, inspectors, joint list, policy, seed) and its summary. */
export interface SupervisionPlanDoc {
  year: number;
  district: string;
  seed: number;
  policyVersion: string;
  policy: PlanPolicy;
  inspectors: Inspector[];
  jointInspectionUsccs: string[];
  population: PlanEnterprise[];
  /** sha256 of the canonical inputs: two plans with the same hash are the same draw. */
  inputsHash: string;
  summary: PlanSummary;
  createdBy: string;
  createdAt: Date;
}

const planSchema = new Schema<SupervisionPlanDoc>(
  {
    year: { type: Number, required: true },
    district: { type: String, required: true },
    seed: { type: Number, required: true },
    policyVersion: { type: String, required: true },
    policy: { type: Schema.Types.Mixed, required: true },
    inspectors: { type: Schema.Types.Mixed, required: true },
    jointInspectionUsccs: { type: [String], default: [] },
    population: { type: Schema.Types.Mixed, required: true },
    inputsHash: { type: String, required: true },
    summary: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'supervisionPlans', versionKey: false, minimize: false },
);
planSchema.index({ year: 1, district: 1 });
planSchema.index({ createdAt: -1 });

export const SupervisionPlanModel = mongoose.model<SupervisionPlanDoc>('SupervisionPlan', planSchema);

/** One inspection of a plan (items live in their own collection: a plan can be large). */
export interface PlanItemDoc extends PlanItem {
  planId: mongoose.Types.ObjectId;
}

const itemSchema = new Schema<PlanItemDoc>(
  {
    planId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    uscc: { type: String, required: true },
    name: { type: String, required: true },
    tier: { type: String, required: true },
    score: { type: Number, default: null },
    kind: { type: String, required: true },
    round: { type: Number, required: true },
    rounds: { type: Number, required: true },
    dueBy: { type: String, required: true },
    inspectors: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'supervisionPlanItems', versionKey: false },
);
itemSchema.index({ planId: 1, seq: 1 }, { unique: true });

export const PlanItemModel = mongoose.model<PlanItemDoc>('SupervisionPlanItem', itemSchema);

type PlanLean = SupervisionPlanDoc & { _id: mongoose.Types.ObjectId };

export interface CallContext {
  principal: Principal;
  ip?: string;
}

export interface PlanRequest {
  year: number;
  district: string;
  seed?: number;
  inspectors?: { id: string; name: string; excludedUsccs?: string[] }[];
  jointInspectionUsccs?: string[];
}

const sortedBy = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

/** Canonical form of the inputs (sorted), hashed: equal hashes ⇒ equal draws. */
export function inputsHash(input: PlanInput, policy: PlanPolicy): string {
  const canonical = {
    year: input.year,
    district: input.district,
    seed: input.seed,
    policy: { version: policy.version, ungradedTier: policy.ungradedTier, inspectorsPerInspection: policy.inspectorsPerInspection, tiers: policy.tiers },
    enterprises: sortedBy(input.enterprises, (e) => e.uscc).map((e) => [e.uscc, e.name, e.tier, e.score, e.graded]),
    inspectors: sortedBy(input.inspectors, (i) => i.id).map((i) => [i.id, i.name, [...i.excludedUsccs].sort()]),
    joint: [...input.jointInspectionUsccs].sort(),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

export function presentPlan(doc: PlanLean) {
  return {
    id: String(doc._id),
    year: doc.year,
    district: doc.district,
    seed: doc.seed,
    policyVersion: doc.policyVersion,
    policy: doc.policy,
    inspectors: doc.inspectors,
    jointInspectionUsccs: doc.jointInspectionUsccs,
    populationSize: doc.population.length,
    inputsHash: doc.inputsHash,
    summary: doc.summary,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
  };
}

export function presentItem(doc: PlanItemDoc) {
  return {
    seq: doc.seq,
    uscc: doc.uscc,
    name: doc.name,
    tier: doc.tier,
    score: doc.score ?? null,
    kind: doc.kind,
    round: doc.round,
    rounds: doc.rounds,
    dueBy: doc.dueBy,
    inspectors: doc.inspectors,
  };
}

/** The enterprises of a district (in the principal's scope) with their current grade; ungraded ones get the policy's tier. */
async function population(district: string, principal: Principal, policy: SupervisionPolicy): Promise<PlanEnterprise[]> {
  const filter = { $and: [{ districtCode: districtFilter(district) }, scopeFilter(principal, { uscc: 'uscc', district: 'districtCode' })] };
  const enterprises: { uscc: string; name: string }[] = [];
  for await (const e of EnterpriseModel.collection.find(filter, { projection: { uscc: 1, name: 1 }, batchSize: 5000 })) enterprises.push({ uscc: e.uscc, name: e.name });
  const grades = await gradesOf({ uscc: { $in: enterprises.map((e) => e.uscc) } });
  return enterprises.map((e) => {
    const g = grades.get(e.uscc);
    return { uscc: e.uscc, name: e.name, tier: g?.tier ?? policy.ungradedTier, score: g?.score ?? null, graded: Boolean(g) };
  });
}

/**
 * 编制年度检查计划: required inspections by tier, then the 双随机 draw from a recorded seed (given, or
 * drawn here and stored). Items are written before the plan document, so a crash leaves no half plan
 * visible. Audited with the seed and the inputs' hash.
 */
export async function createPlan(body: PlanRequest, ctx: CallContext) {
  assertInScope(ctx.principal, body.district);
  const policy = supervisionPolicy();
  const inspectors: Inspector[] = (body.inspectors ?? policy.inspectors).map((i) => ({ id: i.id, name: i.name, excludedUsccs: [...(i.excludedUsccs ?? [])] }));
  if (inspectors.length < policy.inspectorsPerInspection) {
    throw AppError.validation([{ path: 'inspectors', message: `至少需要 ${policy.inspectorsPerInspection} 名执法人员（请求中提供，或在 config/supervision-policy.json 中配置名录）` }]);
  }
  const seed = body.seed ?? randomInt(0, 2 ** 31 - 1);
  const enterprises = await population(body.district, ctx.principal, policy);
  if (enterprises.length === 0) throw AppError.conflict('该行政区划内没有企业，无法编制检查计划');
  const input: PlanInput = { year: body.year, district: body.district, seed, enterprises, inspectors, jointInspectionUsccs: body.jointInspectionUsccs ?? [] };
  let drawn: ReturnType<typeof drawPlan>;
  try {
    drawn = drawPlan(input, policy);
  } catch (err) {
    if (!(err instanceof PlanConflict)) throw err;
    throw AppError.conflict(
      `${err.usccs.length} 家企业回避后可派执法人员不足 ${err.needed} 名，请补充执法人员`,
      err.usccs.slice(0, 100).map((u) => ({ path: 'inspectors', message: `${u}：回避后可派执法人员不足 ${err.needed} 名` })),
    );
  }
  const planId = new mongoose.Types.ObjectId();
  const items = drawn.items.map((it) => ({ ...it, planId }));
  for (let i = 0; i < items.length; i += 1000) await PlanItemModel.collection.insertMany(items.slice(i, i + 1000), { ordered: false });
  const doc: PlanLean = {
    _id: planId,
    year: body.year,
    district: body.district,
    seed,
    policyVersion: policy.version,
    policy: planPolicy(policy),
    inspectors,
    jointInspectionUsccs: input.jointInspectionUsccs,
    population: enterprises,
    inputsHash: inputsHash(input, policy),
    summary: drawn.summary,
    createdBy: ctx.principal.id,
    createdAt: new Date(),
  };
  await SupervisionPlanModel.collection.insertOne(doc);
  const out = presentPlan(doc);
  await recordAudit({
    action: 'supervisionPlan.create',
    resource: 'supervisionPlan',
    resourceId: out.id,
    principal: ctx.principal,
    ip: ctx.ip,
    after: { year: out.year, district: out.district, seed, policyVersion: out.policyVersion, inputsHash: out.inputsHash, summary: out.summary, inspectors: inspectors.map((i) => i.id) },
  });
  return out;
}

const planScope = (p: Principal) => scopeFilter(p, { uscc: 'uscc', district: 'district' });

async function findPlan(id: string, principal: Principal): Promise<PlanLean> {
  const doc = mongoose.isValidObjectId(id) ? ((await SupervisionPlanModel.findOne({ $and: [{ _id: id }, planScope(principal)] }).lean()) as PlanLean | null) : null;
  if (!doc) throw AppError.notFound('检查计划不存在');
  return doc;
}

export async function getPlan(id: string, principal: Principal) {
  return presentPlan(await findPlan(id, principal));
}

export async function listPlans(q: PageRequest & { year?: number; district?: string }, principal: Principal) {
  const and: Record<string, unknown>[] = [planScope(principal)];
  if (q.year) and.push({ year: q.year });
  if (q.district) and.push({ district: districtFilter(q.district) });
  const page = await paginate(SupervisionPlanModel, { $and: and }, q, { field: 'createdAt', order: -1 }, { population: 0 });
  return { items: page.items.map((d) => presentPlan({ ...(d as PlanLean), population: [] })), nextCursor: page.nextCursor };
}

export async function planItems(id: string, q: PageRequest, principal: Principal) {
  const plan = await findPlan(id, principal);
  const page = await paginate(PlanItemModel, { planId: plan._id }, q, { field: 'seq', order: 1 });
  return { items: page.items.map((d) => presentItem(d)), nextCursor: page.nextCursor };
}

const KIND_LABELS = { required: '重点检查（全覆盖）', random: '双随机抽查' } as const;
const EXPORT_HEADER = ['序号', '统一社会信用代码', '企业名称', '信用等级', '信用评分', '检查类型', '轮次', '完成期限', '执法人员', '执法人员编号'];

/** 导出检查计划 (CSV with BOM, or XLSX), streamed; audited with the row count. */
export async function exportPlan(id: string, format: TableFormat, res: Response, ctx: CallContext): Promise<void> {
  const plan = await findPlan(id, ctx.principal);
  async function* rows() {
    for await (const it of PlanItemModel.collection.find({ planId: plan._id }, { sort: { seq: 1 }, batchSize: 2000 })) {
      const i = it as unknown as PlanItemDoc;
      yield [i.seq, i.uscc, i.name, i.tier, i.score ?? '', KIND_LABELS[i.kind], `${i.round}/${i.rounds}`, i.dueBy, i.inspectors.map((x) => x.name).join('、'), i.inspectors.map((x) => x.id).join('、')];
    }
  }
  const n = await streamTable(res, format, `检查计划-${plan.year}-${plan.district}`, EXPORT_HEADER, rows());
  await recordAudit({ action: 'supervisionPlan.export', resource: 'supervisionPlan', resourceId: id, principal: ctx.principal, ip: ctx.ip, detail: { format, rows: n } });
}
