import mongoose from 'mongoose';
import { AppError } from '../../http/errors.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { recordAudit } from '../audit/index.js';
import { assertInScope, scopeFilter, type Principal } from '../auth/index.js';
import { getEnterprise, markGradeDirty } from '../enterprises/index.js';
import { AccidentModel, HazardModel, type AccidentDoc, type HazardDoc } from './model.js';
import type { AccidentLevel } from './scorecard.js';
import { regradeNow } from './jobs.js';

/**
 * Accidents (生产安全事故) and hidden hazards (事故隐患): minimal resources recorded by clerks so that the
 * scorecard's indicators have real sources. Every write is audited and flags the enterprise for regrading.
 */
export interface CallContext {
  principal: Principal;
  ip?: string;
}

type AccidentLean = AccidentDoc & { _id: mongoose.Types.ObjectId };
type HazardLean = HazardDoc & { _id: mongoose.Types.ObjectId };

const scope = (p: Principal) => scopeFilter(p, { uscc: 'uscc', district: 'districtCode' });

export function presentAccident(d: AccidentLean) {
  return { id: String(d._id), uscc: d.uscc, date: d.date, level: d.level, deaths: d.deaths, injuries: d.injuries, description: d.description, createdBy: d.createdBy, createdAt: d.createdAt };
}

export function presentHazard(d: HazardLean) {
  return {
    id: String(d._id),
    uscc: d.uscc,
    foundDate: d.foundDate,
    major: d.major,
    description: d.description,
    deadline: d.deadline ?? null,
    rectifiedDate: d.rectifiedDate ?? null,
    revision: d.revision,
    createdBy: d.createdBy,
    createdAt: d.createdAt,
    updatedBy: d.updatedBy,
    updatedAt: d.updatedAt,
  };
}

/** The enterprise a write is about: visible to the principal (404) and within its authority (403). */
async function writableEnterprise(uscc: string, principal: Principal) {
  const e = await getEnterprise(uscc, principal);
  assertInScope(principal, e.districtCode);
  return e;
}

/**
 * Records an accident. A fatal accident or one above 一般 regrades the enterprise at once (domain.md);
 * if the grading lock is busy the sweep does it within the minute (the flag is set either way).
 */
export async function createAccident(uscc: string, input: { date: string; level: AccidentLevel; deaths: number; injuries: number; description: string }, ctx: CallContext) {
  const e = await writableEnterprise(uscc, ctx.principal);
  const doc = await AccidentModel.create({ ...input, uscc, districtCode: e.districtCode, createdBy: ctx.principal.id });
  const out = presentAccident(doc.toObject() as AccidentLean);
  await markGradeDirty([uscc]);
  await recordAudit({ action: 'accident.create', resource: 'accident', resourceId: out.id, principal: ctx.principal, ip: ctx.ip, after: out });
  const regraded = input.deaths > 0 || input.level !== '一般' ? await regradeNow([uscc]) : false;
  return { ...out, regraded };
}

export async function listAccidents(uscc: string, q: PageRequest, principal: Principal) {
  await getEnterprise(uscc, principal);
  const page = await paginate(AccidentModel, { $and: [{ uscc }, scope(principal)] }, q, { field: 'date', order: -1 });
  return { items: page.items.map((d) => presentAccident(d as AccidentLean)), nextCursor: page.nextCursor };
}

export async function createHazard(uscc: string, input: { foundDate: string; major: boolean; description: string; deadline?: string; rectifiedDate?: string }, ctx: CallContext) {
  const e = await writableEnterprise(uscc, ctx.principal);
  const doc = await HazardModel.create({
    ...input,
    deadline: input.deadline ?? null,
    rectifiedDate: input.rectifiedDate ?? null,
    uscc,
    districtCode: e.districtCode,
    revision: 1,
    createdBy: ctx.principal.id,
    updatedBy: ctx.principal.id,
  });
  const out = presentHazard(doc.toObject() as HazardLean);
  await markGradeDirty([uscc]);
  await recordAudit({ action: 'hazard.create', resource: 'hazard', resourceId: out.id, principal: ctx.principal, ip: ctx.ip, after: out });
  return out;
}

export async function listHazards(uscc: string, q: PageRequest, principal: Principal) {
  await getEnterprise(uscc, principal);
  const page = await paginate(HazardModel, { $and: [{ uscc }, scope(principal)] }, q, { field: 'foundDate', order: -1 });
  return { items: page.items.map((d) => presentHazard(d as HazardLean)), nextCursor: page.nextCursor };
}

/** 整改: records the rectification date (or corrects the deadline/description), on the revision read. */
export async function updateHazard(uscc: string, id: string, patch: { rectifiedDate?: string | null; deadline?: string | null; description?: string }, ctx: CallContext) {
  await writableEnterprise(uscc, ctx.principal);
  const before = (await HazardModel.findOne({ $and: [{ _id: id, uscc }, scope(ctx.principal)] }).lean()) as HazardLean | null;
  if (!before) throw AppError.notFound('事故隐患记录不存在');
  if (patch.rectifiedDate && patch.rectifiedDate < before.foundDate) throw AppError.validation([{ path: 'rectifiedDate', message: `不得早于发现日期 ${before.foundDate}` }]);
  if (patch.deadline && patch.deadline < before.foundDate) throw AppError.validation([{ path: 'deadline', message: `不得早于发现日期 ${before.foundDate}` }]);
  const set: Record<string, unknown> = { updatedBy: ctx.principal.id };
  for (const k of ['rectifiedDate', 'deadline', 'description'] as const) if (patch[k] !== undefined) set[k] = patch[k];
  // One conditional write on the revision read: a concurrent change makes it match nothing (409).
  const after = (await HazardModel.findOneAndUpdate({ _id: before._id, revision: before.revision }, { $set: set, $inc: { revision: 1 } }, { new: true }).lean()) as HazardLean | null;
  if (!after) throw AppError.conflict('隐患记录已被他人修改，请刷新后重试');
  const out = presentHazard(after);
  await markGradeDirty([uscc]);
  await recordAudit({ action: 'hazard.update', resource: 'hazard', resourceId: id, principal: ctx.principal, ip: ctx.ip, before: presentHazard(before), after: out });
  return out;
}
