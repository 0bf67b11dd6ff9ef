/**
 * Use cases of the serious-dishonesty list (严重失信主体名单): the listing procedure (proposal → notice
 * → service → statements → decision), correction, early removal and its revocation, removal when the
 * period ends, and the effects of a listing — the enterprise's `listing` flag (grading forces tier D),
 * the listed mark on each cited penalty (published through the delivery engine) and the export ledger.
 *
 * A case is changed only through `mutate`: read, checked, then one update conditional on the revision
 * read (`rev`) that also appends the dated history event; a writer that lost the race to another (any
 * instance) reads again and re-checks. Natural keys are unique indexes (the listing decision number per
 * authority) or, for the penalties a case cites, one-insert claims. Effects follow (`syncEffects`),
 * idempotently; `syncPending` stays set until they are done, and the daily job finishes any left undone by a crash.
 */
import { isDuplicateKey } from '../../db/errors.js';
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import { AppError, type ErrorDetail } from '../../http/errors.js';
import { addDays, provisionalPaths, todayInShanghai, type LegalDate } from '../../lib/calendar.js';
import { maskIdNumber } from '../../lib/mask.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { logger } from '../../lib/logger.js';
import { recordAudit } from '../audit/index.js';
import { assertInScope, districtFilter, inScope, scopeFilter, type Principal } from '../auth/index.js';
import { EnterpriseModel, enterpriseId, findVisibleEnterprise, markGradeDirty } from '../enterprises/index.js';
import { RecordModel, SYSTEM_PRINCIPAL, markListed, type ListingMark } from '../records/index.js';
import { CaseModel, CitationModel, type CaseDoc, type CaseEvent, type CasePerson, type CaseSpan, type CitationDoc, type RemovalApplication } from './model.js';
import { pauseAfterLostRace, syncLedger } from './ledger.js';
import { fullIdNumber } from './rows.js';
import {
  PERSON_ROLE_LABELS,
  STATUS_LABELS,
  authorityProblem,
  decisionProblem,
  defaultMeasuresFor,
  dishonestyRules,
  earlyRemovalEligibility,
  groundOf,
  listingPeriod,
  measureOf,
  measureProblems,
  objectionDeadline,
  objectionProblem,
  removalDecisionDeadline,
  rightsText,
  spanOn,
  subjectProblems,
  type CaseStatus,
  type ListedSubjects,
  type EarlyRemovalInput,
  type Eligibility,
  type PersonRole,
  type RemovalStatements,
} from './rules.js';

export interface CallContext {
  principal: Principal;
  ip?: string;
}

export type LeanCase = CaseDoc & { _id: mongoose.Types.ObjectId };

const SYSTEM_CTX: CallContext = { principal: SYSTEM_PRINCIPAL };
/** Statuses in which a case still holds its penalties (a new proposal may not cite them). */
const OPEN: CaseStatus[] = ['proposed', 'notified', 'objection', 'listed', 'suspended'];

export function hashIdNumber(idNumber: string): string {
  return createHash('sha256').update(idNumber.trim().toUpperCase()).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Presentation

const measuresOf = (codes: readonly string[]) => codes.map((code) => ({ code, text: measureOf(code)?.text ?? code }));
const actor = (a: { by: string; byName: string; at: Date } | null | undefined) => (a ? { by: a.by, byName: a.byName, at: a.at } : null);

function presentApplication(a: RemovalApplication) {
  return {
    no: a.no,
    appliedOn: a.appliedOn,
    via: a.via,
    statements: a.statements,
    commitment: a.commitment,
    evidence: a.evidence,
    deadline: a.deadline,
    eligibility: a.eligibility,
    status: a.status,
    decision: a.decision ?? null,
    revocation: a.revocation ?? null,
    ...actor(a),
  };
}

/** API shape of a case. ID numbers appear under `idNumber` (masked by the response filter for roles that do not need them). */
export function presentCase(doc: LeanCase, opts: { summary?: boolean } = {}) {
  const id = String(doc._id);
  const base = `/api/v1/dishonesty-list/${id}`;
  const full = {
    id,
    status: doc.status,
    statusLabel: STATUS_LABELS[doc.status],
    uscc: doc.uscc,
    subjectName: doc.subjectName,
    subjectType: doc.subjectType,
    districtCode: doc.districtCode,
    persons: doc.persons.map((p) => ({ role: p.role, roleLabel: PERSON_ROLE_LABELS[p.role], name: p.name, idType: p.idType, idNumber: p.idNumber, position: p.position ?? null })),
    ground: { code: doc.groundCode, article: groundOf(doc.groundCode)?.article ?? null, text: doc.groundText },
    unitListed: doc.unitListed !== false,
    penalties: doc.penalties,
    authorityName: doc.authorityName,
    authorityUscc: doc.authorityUscc,
    facts: doc.facts,
    proposal: { proposedOn: doc.proposal.proposedOn, ...actor(doc.proposal) },
    notice: doc.notice ? { ...doc.notice, measures: measuresOf(doc.notice.measures), document: `${base}/notice` } : null,
    service: doc.service,
    objectionPeriod: doc.service ? { servedOn: doc.service.servedOn, deadline: doc.service.deadline, waivedOn: doc.waiver?.waivedOn ?? null } : null,
    objections: doc.objections,
    waiver: doc.waiver,
    decision: doc.decision ? { ...doc.decision, measures: measuresOf(doc.decision.measures), document: `${base}/decision` } : null,
    listing: doc.listing,
    applications: doc.applications.map(presentApplication),
    basisReview: doc.basisReview ?? null,
    revocation: doc.revocation ?? null,
    spans: doc.spans.map((s) => ({ from: s.from, to: s.to, subjectName: s.subjectName, measures: s.measures, events: s.events })),
    history: doc.history,
    rev: doc.rev,
    // Objection period and early-removal decision limits count working days: 暂定 without an official schedule.
    provisionalDates: provisionalPaths([
      ['service.deadline', doc.service?.servedOn, doc.service?.deadline],
      ['objectionPeriod.deadline', doc.service?.servedOn, doc.service?.deadline],
      ...doc.applications.map((a, i): [string, LegalDate, LegalDate] => [`applications.${i}.deadline`, a.appliedOn, a.deadline]),
    ]),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (!opts.summary) return full;
  const { history: _h, objections: _o, applications: _a, spans: _s, ...summary } = full;
  return { ...summary, provisionalDates: summary.provisionalDates.filter((p) => !p.startsWith('applications.')) };
}

// ---------------------------------------------------------------------------------------------
// Reading

/** What a principal may see, as a query filter: its scope; an enterprise its own cases, from the notice on. */
function visibility(p: Principal): Record<string, unknown> {
  const f = scopeFilter(p, { uscc: 'uscc', district: 'districtCode' });
  if (p.roles.includes('enterprise')) f.status = { $ne: 'proposed' };
  return f;
}

/**
 * The same rule for a case already read (`/check` masks the persons of listings outside the caller's scope):
 * exactly the conditions of `visibility` (scopeFilter's uscc and division prefixes).
 */
function visibleTo(doc: Pick<CaseDoc, 'uscc' | 'districtCode' | 'status'>, p: Principal): boolean {
  if (p.roles.includes('enterprise') && (doc.uscc !== p.uscc || doc.status === 'proposed')) return false;
  return inScope(p, doc.districtCode);
}

export async function findVisible(id: string, p: Principal): Promise<LeanCase> {
  if (!mongoose.isValidObjectId(id)) throw AppError.notFound('名单案件不存在');
  const doc = (await CaseModel.findOne({ $and: [{ _id: new mongoose.Types.ObjectId(id) }, visibility(p)] }).lean()) as LeanCase | null;
  if (!doc) throw AppError.notFound('名单案件不存在');
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Citations (model.ts: CitationModel) and other natural keys

const citations = () => CitationModel.collection as unknown as mongoose.mongo.Collection<CitationDoc>;
const citationKey = (penaltyId: string) => `citation:${penaltyId}`;
/** A claim whose case never appeared (its proposal crashed) may be taken over after this long. */
const ORPHAN_CLAIM_MS = 60_000;

/** Every case of a unit (indexed on `uscc`). */
async function casesOfSubject(uscc: string): Promise<LeanCase[]> {
  return (await CaseModel.find({ uscc }).lean()) as LeanCase[];
}

/**
 * Claims a penalty for a case: one insert (the key is the `_id`). A penalty held by a case no longer open, or by
 * a case that never appeared, is taken over by one update whose filter names the holder and claim time read, so
 * of two writers taking it over only one matches. Returns the holder's id when refused.
 */
async function claimCitation(penaltyId: string, caseId: string): Promise<string | null> {
  const _id = citationKey(penaltyId);
  for (let attempt = 1; ; attempt++) {
    try {
      await citations().insertOne({ _id, caseId, at: new Date() });
      return null;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const cur = await CitationModel.findById(_id).lean();
    if (!cur) continue; // released meanwhile: claim it again
    if (cur.caseId === caseId) return null;
    const holder = await CaseModel.findById(cur.caseId, { status: 1 }).lean();
    const released = holder ? !OPEN.includes(holder.status) : Date.now() - new Date(cur.at).getTime() > ORPHAN_CLAIM_MS;
    if (!released || attempt >= 5) return cur.caseId;
    const r = await CitationModel.updateOne({ _id, caseId: cur.caseId, at: cur.at }, { $set: { caseId, at: new Date() } });
    if (r.matchedCount === 1) return null;
  }
}

async function releaseCitations(penaltyIds: string[], caseId: string): Promise<void> {
  await CitationModel.deleteMany({ _id: { $in: penaltyIds.map(citationKey) }, caseId });
}


export async function getCase(id: string, p: Principal) {
  return presentCase(await findVisible(id, p));
}

export interface CaseListQuery extends PageRequest {
  status?: CaseStatus;
  uscc?: string;
  ground?: string;
  authority?: string;
  district?: string;
  /** Only cases with an early-removal application awaiting its decision. */
  pendingRemoval?: boolean;
}

export async function listCases(q: CaseListQuery, p: Principal) {
  const and: Record<string, unknown>[] = [visibility(p)];
  if (q.status) and.push({ status: q.status });
  if (q.uscc) and.push({ uscc: q.uscc });
  if (q.ground) and.push({ groundCode: q.ground });
  if (q.authority) and.push({ authorityUscc: q.authority });
  if (q.district) and.push({ districtCode: districtFilter(q.district) });
  if (q.pendingRemoval !== undefined) and.push(q.pendingRemoval ? { status: 'listed', 'applications.status': 'pending' } : { 'applications.status': { $ne: 'pending' } });
  const page = await paginate(CaseModel, { $and: and }, q, { field: '_id', order: -1 }, { history: 0 });
  return { items: page.items.map((d) => presentCase({ ...(d as LeanCase), history: [] }, { summary: true })), nextCursor: page.nextCursor };
}

// ---------------------------------------------------------------------------------------------
// Changing a case

interface Step {
  set?: Record<string, unknown>;
  push?: Record<string, unknown>;
  event: { type: string; on: LegalDate | null; note?: string | null };
  /** The change has effects outside the case (listing state): mark it for syncEffects. */
  sync?: boolean;
}

/** How many times a step is re-run after losing the race to another writer of the same case before answering 409. */
const MUTATE_ATTEMPTS = 20;

/**
 * Applies one step to a case: read, check (by `step`), then one update conditional on the revision read
 * (`{ _id, rev }`, `$inc: { rev: 1 }`) with the history event — atomic on the database, whichever instance
 * writes. A writer whose update matched nothing lost the race: it reads the case again and re-runs `step`, whose
 * checks then decide (a second decision on a decided case is refused: 409); after MUTATE_ATTEMPTS lost races, 409.
 */
export async function mutate(id: string, ctx: CallContext, step: (doc: LeanCase, now: Date) => Step | Promise<Step>): Promise<{ before: LeanCase; after: LeanCase }> {
  for (let attempt = 1; ; attempt++) {
    const before = (await CaseModel.findById(id).lean()) as LeanCase | null;
    if (!before) throw AppError.notFound('名单案件不存在');
    const now = new Date();
    const s = await step(before, now);
    const event: CaseEvent = { seq: before.history.length + 1, type: s.event.type, on: s.event.on, note: s.event.note ?? null, by: ctx.principal.id, byName: ctx.principal.name, at: now };
    const after = await CaseModel.findOneAndUpdate(
      { _id: before._id, rev: before.rev },
      { $set: { ...s.set, lastEventAt: now, updatedAt: now, ...(s.sync ? { syncPending: true } : {}) }, $push: { ...s.push, history: event }, $inc: { rev: 1 } },
      { new: true, timestamps: false },
    ).lean();
    if (after) return { before, after: after as LeanCase };
    if (attempt >= MUTATE_ATTEMPTS) throw AppError.conflict('名单案件已被他人修改，请刷新后重试');
    await pauseAfterLostRace(attempt);
  }
}

export async function audit(action: string, ctx: CallContext, before: LeanCase | null, after: LeanCase, detail: Record<string, unknown> = {}): Promise<void> {
  await recordAudit({
    action: `dishonesty.${action}`,
    resource: 'dishonestyCase',
    resourceId: String(after._id),
    principal: ctx.principal,
    ip: ctx.ip,
    before: before ? { status: before.status, rev: before.rev } : undefined,
    after: { status: after.status, rev: after.rev, uscc: after.uscc, ...detail },
  });
}

function requireStatus(doc: LeanCase, allowed: CaseStatus[], what: string): void {
  if (!allowed.includes(doc.status)) throw AppError.conflict(`案件当前状态为“${STATUS_LABELS[doc.status]}”，不能${what}`);
}

const mismatch = (path: string, message: string): ErrorDetail => ({ path, message });

interface PersonInput {
  role: PersonRole;
  name: string;
  idType: string;
  idNumber: string;
  position?: string;
}

/** Who a case lists: the unit unless its ground excludes it (6(5)), and whether any person. */
function subjectsOf(doc: { unitListed?: boolean; persons: readonly unknown[] }): ListedSubjects {
  return { unit: doc.unitListed !== false, persons: doc.persons.length > 0 };
}

/** Measures named explicitly must bind someone the listing names (M07 never on a unit-only listing). */
function assertMeasures(codes: string[], doc: { unitListed?: boolean; persons: readonly unknown[] }, base: string): void {
  const problems = measureProblems(codes, subjectsOf(doc), base);
  if (problems.length) throw AppError.validation(problems, '惩戒措施不适用于本案列入的主体');
}

function toPersons(input: PersonInput[]): CasePerson[] {
  return input.map((p) => ({ role: p.role, name: p.name, idType: p.idType, idNumber: p.idNumber, idHash: hashIdNumber(p.idNumber), position: p.position ?? null }));
}

/** What a span publishes about the persons: masked ID numbers only. */
function spanPersons(persons: CasePerson[]) {
  return persons.map((p) => ({ role: p.role, name: p.name, idNumber: maskIdNumber(p.idNumber) }));
}

export function lastSpan(doc: LeanCase): { span: CaseSpan; index: number } {
  const index = doc.spans.length - 1;
  if (index < 0) throw AppError.conflict('该案件没有列入期间');
  return { span: doc.spans[index], index };
}

// ---------------------------------------------------------------------------------------------
// Procedure

export interface ProposalInput {
  uscc: string;
  groundCode: string;
  penaltyIds: string[];
  facts: string;
  proposedOn?: LegalDate;
  persons: PersonInput[];
}

/**
 * 提请列入: a clerk proposes listing a unit (and, where the ground allows, its principal person and other
 * responsible persons) on one ground, citing penalty decisions of that unit by one authority — the
 * authority that punished decides ("谁处罚、谁决定").
 */
export async function propose(input: ProposalInput, ctx: CallContext) {
  const rules = dishonestyRules();
  const proposedOn = input.proposedOn ?? todayInShanghai();
  const ground = groundOf(input.groundCode, rules)!;
  const ent = await findVisibleEnterprise(input.uscc, ctx.principal);
  assertInScope(ctx.principal, ent.districtCode);
  // Who may be listed on this ground (MEM Order No. 11 arts. 6–7; config/dishonesty.json grounds[].unit / personRoles).
  const details: ErrorDetail[] = subjectProblems(ground, input.persons);
  const recs = (await Promise.all(input.penaltyIds.map((id) => RecordModel.findById(id, { versions: 0 }).lean()))).filter((r) => r !== null);
  const byId = new Map(recs.map((r) => [String(r._id), r]));
  // On a ground listing the principal person only (6(5)), a cited penalty may be the person's own (行政相对人 自然人, same ID number).
  const personIds = new Set(ground.unit ? [] : input.persons.map((p) => p.idNumber.trim().toUpperCase()));
  const ofSubject = (r: (typeof recs)[number]) => r.uscc === input.uscc || (r.data.subjectType === '自然人' && personIds.has(String(r.data.subjectIdNumber ?? '').trim().toUpperCase()));
  input.penaltyIds.forEach((id, i) => {
    const r = byId.get(id);
    const path = `penaltyIds.${i}`;
    if (!r || r.kind !== 'penalty') details.push(mismatch(path, '行政处罚记录不存在'));
    else if (!ofSubject(r)) details.push(mismatch(path, ground.unit ? `不是该单位（${input.uscc}）的行政处罚` : `不是该单位（${input.uscc}）或所列主要负责人的行政处罚`));
    else if (r.lifecycle === 'revoked') details.push(mismatch(path, '该行政处罚决定已撤销'));
    else if (r.decisionDate > proposedOn) details.push(mismatch(path, '处罚决定日期晚于提请日期'));
  });
  const authorities = new Set(recs.filter(ofSubject).map((r) => r.authorityUscc));
  if (authorities.size > 1) details.push(mismatch('penaltyIds', '据以列入的行政处罚须由同一机关作出：由作出处罚的机关决定列入（谁处罚、谁决定）'));
  if (details.length) throw AppError.validation(details, '提请列入的内容不符合要求');

  const first = byId.get(input.penaltyIds[0])!;
  assertAuthority(ctx.principal, { authorityUscc: first.authorityUscc, authorityName: String(first.data.authorityName) });
  // Each cited penalty is claimed for the new case: a penalty held by an open case cannot be cited again.
  const caseId = new mongoose.Types.ObjectId();
  const claimed: string[] = [];
  for (const pid of input.penaltyIds) {
    const holder = await claimCitation(pid, String(caseId));
    if (holder !== null) {
      await releaseCitations(claimed, String(caseId));
      throw AppError.conflict(`所引用的行政处罚已在名单案件 ${holder} 中（办理中或已列入）`, [{ path: 'penaltyIds', message: '已被其他名单案件引用' }]);
    }
    claimed.push(pid);
  }
  {
    const now = new Date();
    const p = ctx.principal;
    const doc = await CaseModel.create({
      _id: caseId,
      uscc: input.uscc,
      subjectName: ent.name,
      subjectType: ent.subjectType,
      districtCode: ent.districtCode,
      persons: toPersons(input.persons),
      groundCode: ground.code,
      groundText: ground.text,
      unitListed: ground.unit,
      penaltyIds: input.penaltyIds,
      penalties: input.penaltyIds.map((id) => ({ id, decisionNumber: byId.get(id)!.decisionNumber, decisionDate: byId.get(id)!.decisionDate })),
      authorityName: String(first.data.authorityName),
      authorityUscc: first.authorityUscc,
      facts: input.facts,
      status: 'proposed',
      proposal: { proposedOn, by: p.id, byName: p.name, at: now },
      history: [{ seq: 1, type: 'proposed', on: proposedOn, note: null, by: p.id, byName: p.name, at: now }],
      rev: 1,
      syncPending: false,
      lastEventAt: now,
      createdBy: p.id,
    }).catch(async (err: unknown) => {
      await releaseCitations(claimed, String(caseId));
      throw err;
    });
    const created = doc.toObject() as LeanCase;
    await audit('propose', ctx, null, created, { groundCode: ground.code, penaltyIds: input.penaltyIds, persons: created.persons.length });
    return presentCase(created);
  }
}

/** Finds a case the principal may act on (404 otherwise; 403 outside its authority scope). */
export async function actOn(id: string, ctx: CallContext): Promise<LeanCase> {
  const doc = await findVisible(id, ctx.principal);
  assertInScope(ctx.principal, doc.districtCode);
  return doc;
}

/** 403 unless the principal acts for the authority that made the cited penalties ("谁处罚、谁决定", MEM Order 11 art. 4). */
function assertAuthority(p: Principal, doc: Pick<CaseDoc, 'authorityUscc' | 'authorityName'>): void {
  const problem = authorityProblem(p, { uscc: doc.authorityUscc, name: doc.authorityName });
  if (problem) throw AppError.forbidden(problem);
}

/** A step of the authority itself (notice, service, decision, correction): in scope and the punishing authority. */
async function actAsAuthority(id: string, ctx: CallContext): Promise<LeanCase> {
  const doc = await actOn(id, ctx);
  assertAuthority(ctx.principal, doc);
  return doc;
}

/** 告知书: the written notice with reasons, basis, proposed measures and the subject's rights. */
export async function issueNotice(id: string, body: { number: string; issuedOn?: LegalDate; reasons?: string; measures?: string[] }, ctx: CallContext) {
  await actAsAuthority(id, ctx);
  const rules = dishonestyRules();
  const { before, after } = await mutate(id, ctx, (doc, now) => {
    requireStatus(doc, ['proposed'], '制发告知书');
    if (body.measures) assertMeasures(body.measures, doc, 'measures');
    const issuedOn = body.issuedOn ?? todayInShanghai();
    if (issuedOn < doc.proposal.proposedOn) throw AppError.validation([mismatch('issuedOn', `不得早于提请日期 ${doc.proposal.proposedOn}`)]);
    const notice = {
      number: body.number,
      issuedOn,
      reasons: body.reasons ?? doc.facts,
      basis: `${rules.legalBasis}${groundOf(doc.groundCode, rules)?.article ?? ''}规定的情形（${doc.groundCode}）：${doc.groundText}`,
      measures: body.measures ?? defaultMeasuresFor(subjectsOf(doc), rules),
      rights: rightsText(rules),
      by: ctx.principal.id,
      byName: ctx.principal.name,
      at: now,
    };
    return { set: { notice, status: 'notified' }, event: { type: 'notice_issued', on: issuedOn, note: body.number } };
  });
  await audit('notice', ctx, before, after, { number: body.number });
  return presentCase(after);
}

/** 送达: the day the notice reached the subject starts the objection period (working days). */
export async function serveNotice(id: string, body: { servedOn: LegalDate; method: string; recipient: string }, ctx: CallContext) {
  await actAsAuthority(id, ctx);
  const rules = dishonestyRules();
  const { before, after } = await mutate(id, ctx, (doc, now) => {
    requireStatus(doc, ['notified'], '登记送达');
    if (body.servedOn < doc.notice!.issuedOn) throw AppError.validation([mismatch('servedOn', `不得早于告知书日期 ${doc.notice!.issuedOn}`)]);
    const service = { ...body, deadline: objectionDeadline(body.servedOn, rules), by: ctx.principal.id, byName: ctx.principal.name, at: now };
    return { set: { service, status: 'objection' }, event: { type: 'notice_served', on: body.servedOn, note: `${body.method}；陈述申辩期至 ${service.deadline}` } };
  });
  await audit('notice.served', ctx, before, after, { servedOn: body.servedOn, deadline: after.service?.deadline });
  return presentCase(after);
}

/** How a statement reaches the case: the subject itself (its enterprise principal) or recorded by a clerk. */
function viaOf(p: Principal, doc: LeanCase): 'enterprise' | 'clerk' {
  return p.roles.includes('enterprise') && p.uscc === doc.uscc ? 'enterprise' : 'clerk';
}

/** 陈述申辩 (statement) or its express waiver, within the objection period. */
export async function submitObjection(id: string, body: { kind: 'statement' | 'waiver'; submittedOn?: LegalDate; content?: string; evidence?: string }, ctx: CallContext) {
  const visible = await actOn(id, ctx);
  const via = viaOf(ctx.principal, visible);
  const { before, after } = await mutate(id, ctx, (doc, now) => {
    requireStatus(doc, ['objection'], body.kind === 'waiver' ? '放弃陈述申辩' : '提出陈述申辩');
    const submittedOn = body.submittedOn ?? todayInShanghai();
    const window = { servedOn: doc.service?.servedOn, deadline: doc.service?.deadline, waivedOn: doc.waiver?.waivedOn };
    const problem = objectionProblem(window, submittedOn);
    if (problem) throw AppError.conflict(problem);
    const who = { by: ctx.principal.id, byName: ctx.principal.name, at: now };
    if (body.kind === 'waiver') {
      return { set: { waiver: { waivedOn: submittedOn, via, note: body.content ?? null, ...who } }, event: { type: 'objection_waived', on: submittedOn, note: via === 'clerk' ? '由录入人员记录' : '当事人提出' } };
    }
    const objection = { no: doc.objections.length + 1, submittedOn, content: body.content!, evidence: body.evidence ?? null, via, ...who };
    return { push: { objections: objection }, event: { type: 'objection', on: submittedOn, note: via === 'clerk' ? '由录入人员记录' : '当事人提出' } };
  });
  await audit(body.kind === 'waiver' ? 'objection.waive' : 'objection', ctx, before, after, { via });
  return presentCase(after);
}

export interface DecisionInput {
  outcome: 'list' | 'not_list';
  decidedOn?: LegalDate;
  reasons: string;
  decisionNumber?: string;
  measures?: string[];
  objectionResponse?: string;
}

/** 列入决定 / 不予列入决定: by a reviewer, not before the objection period ended unless the subject waived it. */
export async function decide(id: string, body: DecisionInput, ctx: CallContext) {
  const visible = await actAsAuthority(id, ctx);
  // Four eyes (职责分离): whoever proposed the listing does not decide it.
  if (visible.proposal.by === ctx.principal.id) throw AppError.forbidden('提出列入建议的人员不能对同一案件作出列入决定（职责分离），请由其他审核人员决定');
  const rules = dishonestyRules();
  if (body.outcome === 'list') {
    const cited = await Promise.all(visible.penaltyIds.map((pid) => RecordModel.findById(pid, { decisionNumber: 1, lifecycle: 1 }).lean()));
    const revoked = cited.filter((r) => r?.lifecycle === 'revoked');
    if (revoked.length) throw AppError.conflict(`据以列入的行政处罚决定已撤销：${revoked.map((r) => r!.decisionNumber).join('、')}`);
  }
  // The listing decision number is unique per authority: `decisionKey`, set in the decision's own write, is a unique index.
  const decisionKey = { authority: visible.authorityUscc, number: body.decisionNumber ?? '' };
  const decided = mutate(id, ctx, (doc, now) => {
    requireStatus(doc, ['objection'], '作出决定');
    const decidedOn = body.decidedOn ?? todayInShanghai();
    const problem = decisionProblem({ servedOn: doc.service?.servedOn, deadline: doc.service?.deadline, waivedOn: doc.waiver?.waivedOn }, decidedOn);
    if (problem) throw AppError.conflict(problem);
    if (doc.objections.length && !body.objectionResponse) throw AppError.validation([mismatch('objectionResponse', '当事人提出了陈述申辩，须说明采纳情况及理由')]);
    const who = { by: ctx.principal.id, byName: ctx.principal.name, at: now };
    const common = { decidedOn, reasons: body.reasons, objectionResponse: body.objectionResponse ?? null, removalConditions: rules.removalConditions, ruleVersion: rules.ruleVersion, ...who };
    if (body.outcome === 'not_list') {
      const decision = { ...common, outcome: 'not_list', decisionNumber: body.decisionNumber ?? null, measures: [], start: null, end: null };
      return { set: { decision, status: 'not_listed' }, event: { type: 'not_listed', on: decidedOn, note: body.reasons } };
    }
    const period = listingPeriod(decidedOn, rules);
    if (body.measures) assertMeasures(body.measures, doc, 'measures');
    const measures = body.measures ?? doc.notice?.measures ?? defaultMeasuresFor(subjectsOf(doc), rules);
    const decision = { ...common, outcome: 'list', decisionNumber: body.decisionNumber!, measures, start: period.start, end: period.end };
    const span: CaseSpan = { from: period.start, to: period.end, subjectName: doc.subjectName, persons: spanPersons(doc.persons), measures, events: [{ type: 'listed', at: now }] };
    return {
      set: { decision, decisionKey, status: 'listed', listing: { start: period.start, end: period.end, removedOn: null, removal: null }, spans: [span] },
      event: { type: 'listed', on: decidedOn, note: `${body.decisionNumber}；列入期限 ${period.start} 至 ${period.end}` },
      sync: true,
    };
  });
  const { before, after } = await decided.catch(async (err: unknown) => {
    if (!isDuplicateKey(err)) throw err;
    const holder = await CaseModel.findOne({ 'decisionKey.authority': decisionKey.authority, 'decisionKey.number': decisionKey.number }, { _id: 1 }).lean();
    throw AppError.conflict('该机关已使用此列入决定书文号', [mismatch('decisionNumber', `已用于名单案件 ${holder ? String(holder._id) : ''}`)]);
  });
  await audit('decide', ctx, before, after, { outcome: body.outcome, decisionNumber: body.decisionNumber ?? null, start: after.listing?.start ?? null, end: after.listing?.end ?? null });
  if (after.syncPending) await syncEffects(String(after._id), ctx);
  return presentCase((await CaseModel.findById(after._id).lean()) as LeanCase);
}

/**
 * 变更: corrects what is published about a listing (unit name, persons, measures) from a date on. The
 * current stretch ends the day before and a new one starts, so point-in-time exports show each day as it was.
 */
export async function correctListing(id: string, body: { reason: string; effectiveOn?: LegalDate; changes: { subjectName?: string; persons?: PersonInput[]; measures?: string[] } }, ctx: CallContext) {
  await actAsAuthority(id, ctx);
  const { before, after } = await mutate(id, ctx, (doc, now) => {
    requireStatus(doc, ['listed'], '变更列入信息');
    const ground = groundOf(doc.groundCode);
    if (body.changes.persons && ground) {
      const problems = subjectProblems(ground, body.changes.persons, 'changes.persons');
      if (problems.length) throw AppError.validation(problems);
    }
    const nextPersons = body.changes.persons ?? doc.persons;
    if (body.changes.measures) assertMeasures(body.changes.measures, { unitListed: doc.unitListed, persons: nextPersons }, 'changes.measures');
    const effectiveOn = body.effectiveOn ?? todayInShanghai();
    const { span, index } = lastSpan(doc);
    if (effectiveOn < span.from || effectiveOn > span.to) throw AppError.validation([mismatch('effectiveOn', `应在当前列入期间 ${span.from} 至 ${span.to} 内`)]);
    const persons = body.changes.persons ? toPersons(body.changes.persons) : doc.persons;
    const subjectName = body.changes.subjectName ?? span.subjectName;
    const measures = body.changes.measures ?? span.measures;
    const changed = { subjectName, persons: spanPersons(persons), measures };
    const event = { type: 'changed' as const, at: now };
    const earlier = doc.spans.slice(0, index);
    const spans: CaseSpan[] =
      effectiveOn === span.from
        ? [...earlier, { ...span, ...changed, events: [...span.events, event] }]
        : [...earlier, { ...span, to: addDays(effectiveOn, -1) }, { from: effectiveOn, to: span.to, ...changed, events: [event] }];
    return { set: { persons, subjectName, 'decision.measures': measures, spans }, event: { type: 'changed', on: effectiveOn, note: body.reason }, sync: true };
  });
  await audit('correct', ctx, before, after, { reason: body.reason, fields: Object.keys(body.changes) });
  await syncEffects(String(after._id), ctx);
  return presentCase((await CaseModel.findById(after._id).lean()) as LeanCase);
}

// ---------------------------------------------------------------------------------------------
// Leaving the list

async function eligibilityFacts(doc: LeanCase): Promise<Omit<EarlyRemovalInput, 'statements'>> {
  const start = doc.listing?.start ?? null;
  const pendingApplication = doc.applications.some((a) => a.status === 'pending');
  if (!start) return { status: doc.status, listingStart: null, newProposals: [], newSeverePenalties: [], pendingApplication };
  const [others, severe] = await Promise.all([
    casesOfSubject(doc.uscc).then((all) => all.filter((o) => !o._id.equals(doc._id) && o.status !== 'not_listed' && o.proposal.proposedOn >= start)),
    RecordModel.find(
      { kind: 'penalty', uscc: doc.uscc, decisionDate: { $gt: start }, lifecycle: { $ne: 'revoked' }, 'derived.severity': '严重', _id: { $nin: doc.penaltyIds.map((i) => new mongoose.Types.ObjectId(i)) } },
      { decisionNumber: 1, decisionDate: 1 },
    ).lean(),
  ]);
  return {
    status: doc.status,
    listingStart: start,
    newProposals: others.map((o) => ({ id: String(o._id), proposedOn: o.proposal.proposedOn, ground: o.groundCode })),
    newSeverePenalties: severe.map((r) => ({ decisionNumber: r.decisionNumber, decisionDate: r.decisionDate })),
    pendingApplication,
  };
}

function notEligible(e: Eligibility): AppError {
  return new AppError(
    'NOT_ELIGIBLE',
    409,
    '不符合提前移出条件',
    e.conditions.filter((c) => c.met === false).map((c) => ({ path: `conditions.${c.code}`, message: c.reason })),
  );
}

/** Which early-removal conditions hold today, each with its reason. */
export async function removalEligibility(id: string, p: Principal, today = todayInShanghai()) {
  const doc = await findVisible(id, p);
  return { id, today, ...earlyRemovalEligibility(await eligibilityFacts(doc), today) };
}

export interface ApplicationInput {
  appliedOn?: LegalDate;
  statements: RemovalStatements;
  commitment: string;
  evidence: string;
}

/** 提前移出申请: accepted only when every condition holds on the application date. */
export async function applyForRemoval(id: string, body: ApplicationInput, ctx: CallContext) {
  const visible = await actOn(id, ctx);
  const appliedOn = body.appliedOn ?? todayInShanghai();
  const eligibility = earlyRemovalEligibility({ ...(await eligibilityFacts(visible)), statements: body.statements }, appliedOn);
  if (!eligibility.eligible) throw notEligible(eligibility);
  const via = viaOf(ctx.principal, visible);
  const { before, after } = await mutate(id, ctx, (doc, now) => {
    requireStatus(doc, ['listed'], '申请提前移出');
    if (doc.applications.some((a) => a.status === 'pending')) throw AppError.conflict('已有待决定的提前移出申请');
    const application: RemovalApplication = {
      no: doc.applications.length + 1,
      appliedOn,
      statements: body.statements,
      commitment: body.commitment,
      evidence: body.evidence,
      via,
      deadline: removalDecisionDeadline(appliedOn),
      eligibility,
      status: 'pending',
      decision: null,
      revocation: null,
      by: ctx.principal.id,
      byName: ctx.principal.name,
      at: now,
    };
    return { push: { applications: application }, event: { type: 'removal_applied', on: appliedOn, note: `申请 ${application.no}，应于 ${application.deadline} 前作出决定` } };
  });
  await audit('removal.apply', ctx, before, after, { via, appliedOn });
  return presentCase(after);
}

/** A reviewer decides the pending early-removal application (a late decision is recorded as such). */
export async function decideRemoval(id: string, body: { approved: boolean; decidedOn?: LegalDate; reasons: string }, ctx: CallContext) {
  const visible = await actOn(id, ctx);
  const decidedOn = body.decidedOn ?? todayInShanghai();
  const pending = visible.applications.find((a) => a.status === 'pending');
  if (!pending) throw AppError.conflict('没有待决定的提前移出申请');
  if (body.approved) {
    const e = earlyRemovalEligibility({ ...(await eligibilityFacts(visible)), pendingApplication: false, statements: pending.statements }, decidedOn);
    if (!e.eligible) throw notEligible(e);
  }
  const { before, after } = await mutate(id, ctx, (doc, now) => {
    requireStatus(doc, ['listed'], '决定提前移出');
    const i = doc.applications.findIndex((a) => a.status === 'pending');
    if (i < 0) throw AppError.conflict('没有待决定的提前移出申请');
    const app = doc.applications[i];
    if (decidedOn < app.appliedOn) throw AppError.validation([mismatch('decidedOn', `不得早于申请日期 ${app.appliedOn}`)]);
    const decision = { decidedOn, approved: body.approved, reasons: body.reasons, late: decidedOn > app.deadline, by: ctx.principal.id, byName: ctx.principal.name, at: now };
    const set: Record<string, unknown> = { [`applications.${i}.status`]: body.approved ? 'approved' : 'rejected', [`applications.${i}.decision`]: decision };
    if (!body.approved) return { set, event: { type: 'removal_rejected', on: decidedOn, note: body.reasons } };
    if (decidedOn > doc.listing!.end) throw AppError.conflict(`列入期限已于 ${doc.listing!.end} 届满，将自动移出`);
    const { span, index } = lastSpan(doc);
    set[`spans.${index}`] = { ...span, to: addDays(decidedOn, -1), events: [...span.events, { type: 'removedEarly', at: now }] };
    set.status = 'removed';
    set.listing = { ...doc.listing!, removedOn: decidedOn, removal: { kind: 'early', on: decidedOn, applicationNo: app.no, at: now } };
    return { set, event: { type: 'removed_early', on: decidedOn, note: body.reasons }, sync: true };
  });
  await audit('removal.decide', ctx, before, after, { approved: body.approved, decidedOn, late: decidedOn > pending.deadline });
  if (after.syncPending) await syncEffects(String(after._id), ctx);
  return presentCase((await CaseModel.findById(after._id).lean()) as LeanCase);
}

/** Revokes an early removal obtained by false statements: the listing is restored with its original end date. */
export async function revokeRemoval(id: string, body: { revokedOn?: LegalDate; reasons: string }, ctx: CallContext) {
  await actOn(id, ctx);
  const { before, after } = await mutate(id, ctx, (doc, now) => {
    requireStatus(doc, ['removed'], '撤销移出决定');
    const removal = doc.listing?.removal;
    if (removal?.kind !== 'early') throw AppError.conflict('只有提前移出决定可以撤销（期满移出不适用）');
    const revokedOn = body.revokedOn ?? todayInShanghai();
    if (revokedOn < removal.on) throw AppError.validation([mismatch('revokedOn', `不得早于移出日期 ${removal.on}`)]);
    const end = doc.listing!.end;
    if (revokedOn > end) throw AppError.conflict(`原列入期限已于 ${end} 届满，无需恢复列入`);
    const i = doc.applications.findIndex((a) => a.no === removal.applicationNo);
    const { span } = lastSpan(doc);
    const restored: CaseSpan = { from: revokedOn, to: end, subjectName: span.subjectName, persons: span.persons, measures: span.measures, events: [{ type: 'restored', at: now }] };
    const set: Record<string, unknown> = { status: 'listed', listing: { ...doc.listing!, removedOn: null, removal: null } };
    if (i >= 0) {
      set[`applications.${i}.status`] = 'revoked';
      set[`applications.${i}.revocation`] = { revokedOn, reasons: body.reasons, by: ctx.principal.id, byName: ctx.principal.name, at: now };
    }
    return { set, push: { spans: restored }, event: { type: 'restored', on: revokedOn, note: `${body.reasons}；恢复列入至 ${end}` }, sync: true };
  });
  await audit('removal.revoke', ctx, before, after, { revokedOn: after.spans[after.spans.length - 1]?.from, end: after.listing?.end });
  await syncEffects(String(after._id), ctx);
  return presentCase((await CaseModel.findById(after._id).lean()) as LeanCase);
}

/** Daily: listings whose period ended before `today` leave the list (publication withdrawn, measures lifted, regrade). */
export async function removeExpired(today: LegalDate): Promise<number> {
  const due = await CaseModel.find({ status: 'listed', 'listing.end': { $lt: today } }, { _id: 1 }).lean();
  let n = 0;
  for (const { _id } of due) {
    try {
      const { before, after } = await mutate(String(_id), SYSTEM_CTX, (doc, now) => {
        if (doc.status !== 'listed' || !doc.listing || doc.listing.end >= today) throw AppError.conflict('不再到期');
        const { span, index } = lastSpan(doc);
        const on = addDays(doc.listing.end, 1);
        return {
          set: { status: 'removed', [`spans.${index}.events`]: [...span.events, { type: 'expired', at: now }], listing: { ...doc.listing, removedOn: on, removal: { kind: 'expired', on, applicationNo: null, at: now } } },
          event: { type: 'removed_expired', on, note: `列入期限 ${doc.listing.start} 至 ${doc.listing.end} 届满` },
          sync: true,
        };
      });
      await audit('expire', SYSTEM_CTX, before, after, { end: after.listing?.end });
      await syncEffects(String(_id), SYSTEM_CTX, today);
      n++;
    } catch (err) {
      if (!(err instanceof AppError && err.status === 409)) throw err;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Effects

/** The enterprise's `listing` flag from its listed cases (the one ending last), and a regrade when it changed. */
async function syncEnterpriseListing(uscc: string): Promise<void> {
  // A listing of the principal person only (6(5)) does not list the unit: it sets no flag on the enterprise.
  const listed = (await casesOfSubject(uscc)).filter((c) => c.status === 'listed' && c.listing && c.unitListed !== false);
  listed.sort((a, b) => (a.listing!.end < b.listing!.end ? 1 : -1));
  const best = listed[0];
  const desired = best ? { active: true, listingId: String(best._id), since: best.listing!.start, until: best.listing!.end } : null;
  // One write whose filter says "differs from the desired flag": it changes the enterprise only when needed.
  const r = desired
    ? await EnterpriseModel.updateOne({ _id: enterpriseId(uscc), listing: { $ne: desired } }, { $set: { listing: desired } }, { timestamps: false })
    : await EnterpriseModel.updateOne({ _id: enterpriseId(uscc), listing: { $ne: null } }, { $unset: { listing: 1 } }, { timestamps: false });
  if (r.modifiedCount === 1) await markGradeDirty([uscc]);
}

/**
 * Brings everything outside the case in line with it: the listed mark of each cited penalty (a new
 * version, delivered to the platforms), the enterprise's flag (+ regrade) and the export ledger.
 * Idempotent; clears `syncPending` only if the case did not change meanwhile.
 */
export async function syncEffects(id: string, ctx: CallContext, today = todayInShanghai()): Promise<void> {
  const doc = (await CaseModel.findById(id).lean()) as LeanCase | null;
  if (!doc) return;
  const caseId = String(doc._id);
  const mark: ListingMark | null =
    doc.status === 'listed' && doc.listing && doc.decision?.decisionNumber ? { listingId: caseId, decisionNumber: doc.decision.decisionNumber, since: doc.listing.start, until: doc.listing.end } : null;
  for (const pid of doc.penaltyIds) {
    if (!mark) {
      // Only this listing's own marks are removed (a later listing may cite the same penalty); a revoked listing also takes its ground mark.
      const rec = await RecordModel.findById(pid, { 'data.listedAsSeriouslyDishonest': 1, 'data.groundedSeriousDishonestyListing': 1 }).lean();
      const own = (rec?.data?.listedAsSeriouslyDishonest as ListingMark | undefined)?.listingId === caseId;
      const ground = doc.status === 'revoked' && (rec?.data?.groundedSeriousDishonestyListing as { listingId?: string } | undefined)?.listingId === caseId;
      if (!own && !ground) continue;
    }
    try {
      // A revoked listing never had a valid basis: its penalties lose the ground mark too (they are not 严重 for it).
      await markListed(pid, mark, ctx, today, { annul: doc.status === 'revoked' });
    } catch (err) {
      // A penalty revoked meanwhile cannot carry the mark: the listing stays, the reviewer is told by the log.
      if (!(err instanceof AppError && err.status === 409)) throw err;
      logger.warn('listing: a cited penalty cannot be marked', { caseId, penaltyId: pid, reason: err.message });
    }
  }
  await syncEnterpriseListing(doc.uscc);
  if (doc.spans.length) await syncLedger(doc);
  await CaseModel.updateOne({ _id: doc._id, rev: doc.rev }, { $set: { syncPending: false } }, { timestamps: false });
}

/**
 * Daily: listing decisions stored before `decisionKey` existed get it, so their numbers stay unique per authority
 * (a clash is logged and left for an administrator); the former `subject:`/`decision:` lookup documents are removed.
 */
export async function backfillDecisionKeys(): Promise<number> {
  const old = await CaseModel.find({ 'decision.outcome': 'list', decisionKey: { $exists: false } }, { authorityUscc: 1, 'decision.decisionNumber': 1 }).lean();
  let n = 0;
  for (const c of old) {
    if (!c.decision?.decisionNumber) continue;
    const decisionKey = { authority: c.authorityUscc, number: c.decision.decisionNumber };
    try {
      n += (await CaseModel.updateOne({ _id: c._id, decisionKey: { $exists: false } }, { $set: { decisionKey } }, { timestamps: false })).modifiedCount;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      logger.warn('listing decision number used twice by one authority', { caseId: String(c._id), ...decisionKey });
    }
  }
  await CitationModel.deleteMany({ _id: { $regex: /^(subject|decision):/ } });
  return n;
}

/** Daily: finishes effects left undone (a crash between a case change and its effects). */
export async function reconcile(today = todayInShanghai()): Promise<number> {
  const pending = await CaseModel.find({ syncPending: true }, { _id: 1 }).lean();
  for (const { _id } of pending) await syncEffects(String(_id), SYSTEM_CTX, today);
  return pending.length;
}

// ---------------------------------------------------------------------------------------------
// Lookup

/** Listings of a case on a date, as partners see them. */
export function listingOn(doc: LeanCase, date: LegalDate) {
  const span = spanOn(doc.spans, date);
  if (!span || !doc.decision || !doc.listing) return null;
  return {
    listingId: String(doc._id),
    subjectName: span.subjectName,
    uscc: doc.uscc,
    ground: { code: doc.groundCode, text: doc.groundText },
    decisionNumber: doc.decision.decisionNumber,
    decisionDate: doc.decision.decidedOn,
    listingStart: doc.listing.start,
    listingEnd: span.to,
    authorityName: doc.authorityName,
    authorityUscc: doc.authorityUscc,
    measures: measuresOf(span.measures),
    persons: span.persons.map((p) => ({ role: p.role, roleLabel: PERSON_ROLE_LABELS[p.role], name: p.name, idNumber: p.idNumber })),
    unitListed: doc.unitListed !== false,
    reason: `因“${doc.groundText}”，经${doc.authorityName}决定（${doc.decision.decisionNumber}）${doc.unitListed === false ? '将该单位主要负责人' : ''}列入安全生产严重失信主体名单，列入期间 ${doc.listing.start} 至 ${span.to}`,
  };
}

/**
 * 是否在名单内: is the unit listed on `date` (default today), and why. The list is public: the answer is the
 * same whoever asks, a listing outside the caller's authority scope included (its persons' ID numbers masked).
 */
export async function checkListed(uscc: string, p: Principal, date = todayInShanghai()) {
  // A listing of the principal person only (6(5)) does not list the unit (its persons are found by ID number: batch comparison).
  const docs = (await casesOfSubject(uscc)).filter((d) => ['listed', 'removed', 'suspended', 'revoked'].includes(d.status) && d.unitListed !== false);
  // Partners under a data-sharing agreement (key attribute fullIdNumbers) get the listed persons' full ID numbers, audited each time;
  // a listing outside the caller's authority scope is answered too, its persons' ID numbers masked.
  const full = p.fullIdNumbers === true;
  const listings = docs
    .map((d) => {
      const l = listingOn(d, date);
      if (!l) return l;
      if (full) return { ...l, persons: l.persons.map((x) => ({ ...x, idNumber: fullIdNumber(x.idNumber, x.name, d.persons) })) };
      return visibleTo(d, p) ? l : { ...l, persons: l.persons.map((x) => ({ ...x, idNumber: x.idNumber ? maskIdNumber(x.idNumber) : x.idNumber })) };
    })
    .filter((l): l is NonNullable<typeof l> => l !== null);
  const unmasked = full ? listings.reduce((n, l) => n + l.persons.length, 0) : 0;
  if (unmasked) await recordAudit({ action: 'dishonesty.check.fullIdNumbers', resource: 'dishonestyCheck', resourceId: uscc, principal: p, detail: { uscc, date, listings: listings.map((l) => l.listingId), unmasked } });
  return {
    uscc,
    date,
    subjectName: listings[0]?.subjectName ?? docs[0]?.subjectName ?? null,
    listed: listings.length > 0,
    listings,
    message: listings.length ? listings.map((l) => l.reason).join('；') : `${date} 不在安全生产严重失信主体名单内`,
  };
}
