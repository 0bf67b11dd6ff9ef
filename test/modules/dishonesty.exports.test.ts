import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Response } from 'supertest';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { ID_LI, ID_ZHANG, daysAgo, enterpriseWithPenalty, listThroughHttp, type Keys } from '../support/dishonesty.js';
import { startFakes, fastConfigs, engineFor } from '../support/publicity.js';
import { addYears, todayInShanghai } from '../../src/lib/calendar.js';
import { appendEntriesBulk, exportToFile, runDailyDishonesty } from '../../src/modules/dishonesty/index.js';
import { AUTHORITY_USCC, makeUscc } from '../support/fixtures.js';
import { SYSTEM_PRINCIPAL } from '../../src/modules/records/index.js';

/** Binary-safe body of a supertest response. */
const binary = (req: ReturnType<TestApp['request']['get']>) =>
  req.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const jsonl = (b: Buffer) => b.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
const FORMULA_NAME = '=HYPERLINK("http://example.com","点击")测试企业有限公司';

describe('dishonesty list: exports for partner departments, batch comparison and feedback', function () {
  this.timeout(120_000);
  let t: TestApp;
  const keys = {} as Keys & { admin: string; otherPartner: string };
  let removed: { uscc: string; name: string; penaltyId: string; id: string; start: string; end: string };
  let listed: { uscc: string; name: string; penaltyId: string; id: string; start: string; end: string };
  let t0: Date;
  let t1: Date;
  let t2: Date;

  before(async () => {
    t = await startTestApp('dishonesty_exports');
    keys.clerk = await t.key(['clerk']);
    keys.reviewer = await t.key(['reviewer']);
    keys.regulator = await t.key(['regulator']);
    keys.partner = await t.key(['partner'], { name: '市发展改革委' });
    keys.otherPartner = await t.key(['partner'], { name: '市财政局' });
    keys.admin = await t.key(['admin']);
    t0 = new Date();
    await new Promise((r) => setTimeout(r, 5));
    // Listed 400 days ago with its principal person and another responsible person …
    const a = await enterpriseWithPenalty(t, keys, 901, 440);
    const la = await listThroughHttp(t, keys, a, 400, {
      ground: 'd',
      persons: [
        { role: 'principal', name: '张三', idType: '身份证', idNumber: ID_ZHANG, position: '总经理' },
        { role: 'responsible', name: '李四', idType: '身份证', idNumber: ID_LI },
      ],
    });
    removed = { ...a, id: la.id, start: la.body.listing.start, end: la.body.listing.end };
    await new Promise((r) => setTimeout(r, 5));
    t1 = new Date();
    await new Promise((r) => setTimeout(r, 5));
    // … removed early 2 days ago …
    const app = await t.request
      .post(`/api/v1/dishonesty-list/${la.id}/removal-applications`)
      .set('X-API-Key', keys.clerk)
      .send({ appliedOn: daysAgo(10), statements: { penaltyFulfilled: true, hazardRectified: true, commitment: true }, commitment: '本单位承诺依法诚信经营，落实安全生产主体责任。', evidence: '缴款凭证1份' });
    expect(app.status, JSON.stringify(app.body)).to.equal(201);
    const dec = await t.request.post(`/api/v1/dishonesty-list/${la.id}/removal-decision`).set('X-API-Key', keys.reviewer).send({ approved: true, decidedOn: daysAgo(2), reasons: '符合提前移出条件' });
    expect(dec.status, JSON.stringify(dec.body)).to.equal(200);
    // … and a unit whose name would be a spreadsheet formula, listed 10 days ago with two measures.
    const b = await enterpriseWithPenalty(t, keys, 902, 50, { name: FORMULA_NAME });
    const lb = await listThroughHttp(t, keys, b, 10, { measures: ['M01', 'M03'] });
    listed = { ...b, id: lb.id, start: lb.body.listing.start, end: lb.body.listing.end };
    await new Promise((r) => setTimeout(r, 5));
    t2 = new Date();
  });
  after(() => t.close());

  const exportAs = (key: string, query: string) => binary(t.request.get(`/api/v1/exports/dishonesty-list?${query}`).set('X-API-Key', key));

  describe('point in time (asOf) across a listing and its removal', () => {
    const ids = async (asOf: string) => jsonl((await exportAs(keys.partner, `format=jsonl&asOf=${asOf}`)).body as Buffer).map((r) => `${r.listingId}:${r.role}`);

    it('before the listing: absent; while listed: the unit and both persons; after the early removal: absent', async () => {
      expect(await ids(daysAgo(401))).to.deep.equal([]);
      expect(await ids(daysAgo(200))).to.deep.equal([`${removed.id}:单位`, `${removed.id}:主要负责人`, `${removed.id}:其他责任人员`]);
      expect(await ids(daysAgo(3))).to.include(`${removed.id}:单位`);
      expect(await ids(daysAgo(2))).to.not.include(`${removed.id}:单位`);
      expect(await ids(todayInShanghai())).to.deep.equal([`${listed.id}:单位`]);
    });

    it('rows carry name, USCC, type, ground, decision number and date, period, measures and authority; ID numbers masked', async () => {
      const rows = jsonl((await exportAs(keys.partner, `format=jsonl&asOf=${daysAgo(200)}`)).body as Buffer);
      expect(rows[0]).to.deep.include({
        subjectName: '测试安全生产企业901有限公司',
        subjectType: '法人及非法人组织',
        role: '单位',
        uscc: removed.uscc,
        idNumber: '',
        groundCode: 'd',
        ground: '瞒报、谎报生产安全事故的生产经营单位及其有关责任人员',
        decisionDate: removed.start,
        listingStart: removed.start,
        listingEnd: daysAgo(3),
        authorityName: '深圳市应急管理局',
      });
      expect(rows[0].decisionNumber).to.match(/^深应急失信决/);
      expect(rows[0].measures.map((m: { code: string }) => m.code)).to.deep.equal(['M01', 'M02', 'M03', 'M04', 'M05', 'M06']);
      expect(rows[1]).to.deep.include({ subjectName: '张三', subjectType: '自然人', role: '主要负责人', idNumber: '110105********1232', unitName: '测试安全生产企业901有限公司' });
      expect(rows[1].measures.map((m: { code: string }) => m.code)).to.deep.equal(['M05', 'M07']);
      expect(rows[1]).to.not.have.property('changeType');
    });
  });

  describe('delta (since): additions, removals and changes, each with type and time', () => {
    const delta = async (q: string) => jsonl((await exportAs(keys.partner, `format=jsonl&${q}`)).body as Buffer).filter((r) => r.role === '单位');

    it('since before both: the listing (addition) and its removal, and the other listing', async () => {
      const rows = await delta(`since=${t0.toISOString()}`);
      const mine = rows.filter((r) => r.listingId === removed.id);
      expect(mine.map((r) => [r.changeType, r.changeReason])).to.deep.equal([
        ['addition', 'listed'],
        ['removal', 'removedEarly'],
      ]);
      expect(new Date(mine[0].changedAt).getTime()).to.be.within(t0.getTime(), t1.getTime());
      expect(new Date(mine[1].changedAt).getTime()).to.be.within(t1.getTime(), t2.getTime());
      expect(mine[1].listingEnd).to.equal(daysAgo(3));
      expect(rows.filter((r) => r.listingId === listed.id).map((r) => r.changeType)).to.deep.equal(['addition']);
    });

    it('a window between them: only what happened inside it', async () => {
      expect((await delta(`since=${t1.toISOString()}`)).map((r) => `${r.listingId}:${r.changeType}`)).to.deep.equal([`${removed.id}:removal`, `${listed.id}:addition`]);
      expect((await delta(`since=${t0.toISOString()}&until=${t1.toISOString()}`)).map((r) => `${r.listingId}:${r.changeType}`)).to.deep.equal([`${removed.id}:addition`]);
      expect(await delta(`since=${t2.toISOString()}`)).to.deep.equal([]);
    });

    it('CSV deltas carry the change columns in Chinese', async () => {
      const res = await exportAs(keys.partner, `format=csv&since=${t1.toISOString()}`);
      const rows = parseCsv((res.body as Buffer).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
      expect(rows.map((r) => r['变更类型'])).to.include.members(['移出', '新增']);
      expect(rows.find((r) => r['变更类型'] === '移出')!['变更说明']).to.equal('提前移出');
      expect(rows[0]['变更时间']).to.match(/^\d{4}-\d{2}-\d{2}T/);
    });

    it('refuses asOf with since, until without since, and unknown formats', async () => {
      for (const q of [`asOf=${daysAgo(1)}&since=${t0.toISOString()}`, `until=${t1.toISOString()}`, 'format=xls', `since=${t1.toISOString()}&until=${t0.toISOString()}`]) {
        const res = await t.request.get(`/api/v1/exports/dishonesty-list?${q}`).set('X-API-Key', keys.partner);
        expect(res.status, q).to.equal(400);
        expectErrorShape(res.body);
      }
    });
  });

  describe('formats, manifests and audit', () => {
    async function manifestOf(res: Response, key = keys.partner) {
      const id = res.headers['x-export-id'];
      expect(id).to.match(/^[0-9a-f]{24}$/);
      const m = await t.request.get(`/api/v1/exports/${id}`).set('X-API-Key', key);
      expect(m.status, JSON.stringify(m.body)).to.equal(200);
      return m.body;
    }

    it('CSV: UTF-8 BOM, Chinese header, formula cells escaped, ID numbers masked; the manifest’s sha256 is that of the bytes', async () => {
      const res = await exportAs(keys.partner, `format=csv&asOf=${daysAgo(200)}`);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/csv/);
      expect(res.headers['content-disposition']).to.include(`dishonesty-list_asof-${daysAgo(200)}.csv`);
      const bytes = res.body as Buffer;
      expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
      const text = bytes.toString('utf8');
      expect(text).to.not.include(ID_ZHANG).and.not.include(ID_LI);
      const rows = parseCsv(text, { bom: true }) as string[][];
      expect(rows[0].slice(0, 5)).to.deep.equal(['主体名称', '主体类别', '身份', '统一社会信用代码', '证件号码']);
      expect(rows).to.have.length(4);
      expect(rows[2][4]).to.equal('110105********1232');
      expect(rows[3][4]).to.equal('440305********1233');
      expect(text).to.include('\r\n');
      const m = await manifestOf(res);
      expect(m).to.deep.include({ status: 'complete', format: 'csv', mode: 'asOf', query: { asOf: daysAgo(200) }, rowCount: 3, bytes: bytes.length, sha256: sha256(bytes), origin: 'api' });
      expect(m.principal.name).to.equal('市发展改革委');
      await expectAudited('export.dishonestyList', m.id, { outcome: 'success' });

      const formula = await exportAs(keys.partner, 'format=csv');
      const cells = parseCsv((formula.body as Buffer).toString('utf8'), { bom: true }) as string[][];
      expect(cells[1][0]).to.equal(`'${FORMULA_NAME}`);
    });

    it('XLSX: a real workbook (streamed) with the header and rows; the formula-like name is text, not a formula', async () => {
      const res = await exportAs(keys.regulator, `format=xlsx&asOf=${todayInShanghai()}`);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.body as unknown as ArrayBuffer);
      const ws = wb.worksheets[0];
      expect(ws.name).to.equal('严重失信主体名单');
      expect(ws.getRow(1).getCell(1).value).to.equal('主体名称');
      expect(ws.rowCount).to.equal(2);
      const cell = ws.getRow(2).getCell(1);
      expect(cell.type).to.equal(ExcelJS.ValueType.String);
      expect(cell.value).to.equal(FORMULA_NAME);
      expect(ws.getRow(2).getCell(13).value).to.equal('加大执法检查频次，列为重点监管监察对象；依法限制参加政府采购活动');
      const m = await manifestOf(res, keys.regulator);
      expect(m).to.deep.include({ rowCount: 1, bytes: (res.body as Buffer).length, sha256: sha256(res.body as Buffer) });
    });

    it('XLSX and JSONL of the same day hold the same rows as the CSV', async () => {
      const day = daysAgo(200);
      const csv = parseCsv(((await exportAs(keys.partner, `format=csv&asOf=${day}`)).body as Buffer).toString('utf8'), { bom: true }) as string[][];
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await exportAs(keys.partner, `format=xlsx&asOf=${day}`)).body as unknown as ArrayBuffer);
      const xlsx: string[][] = [];
      wb.worksheets[0].eachRow((row) => xlsx.push(Array.from((row.values as unknown[]).slice(1), (v) => (v === undefined || v === null ? '' : String(v)))));
      expect(xlsx.map((r) => r.slice(0, 16))).to.deep.equal(csv.map((r) => [...r, ...Array(16 - r.length).fill('')].slice(0, 16)));
      const lines = jsonl((await exportAs(keys.partner, `format=jsonl&asOf=${day}`)).body as Buffer);
      expect(lines.map((l) => l.subjectName)).to.deep.equal(csv.slice(1).map((r) => r[0]));
    });

    it('manifests: a partner sees its own and the daily job’s; regulators see all', async () => {
      const res = await exportAs(keys.partner, 'format=jsonl');
      const id = res.headers['x-export-id'];
      expect((await t.request.get(`/api/v1/exports/${id}`).set('X-API-Key', keys.otherPartner)).status).to.equal(404);
      expect((await t.request.get(`/api/v1/exports/${id}`).set('X-API-Key', keys.admin)).status).to.equal(200);
      const list = await t.request.get('/api/v1/exports?limit=500').set('X-API-Key', keys.otherPartner);
      expect(list.body.items.map((m: { id: string }) => m.id)).to.not.include(id);
      expect((await t.request.get('/api/v1/exports?limit=500').set('X-API-Key', keys.regulator)).body.items.map((m: { id: string }) => m.id)).to.include(id);
    });

    it('a partner reaches only the exports, the lookup, comparison and feedback', async () => {
      expect((await t.request.get('/api/v1/dishonesty-list').set('X-API-Key', keys.partner)).status).to.equal(403);
      expect((await t.request.get(`/api/v1/dishonesty-list/${listed.id}`).set('X-API-Key', keys.partner)).status).to.equal(403);
      expect((await t.request.get('/api/v1/enterprises').set('X-API-Key', keys.partner)).status).to.equal(403);
      expect((await t.request.get(`/api/v1/dishonesty-list/check?uscc=${listed.uscc}`).set('X-API-Key', keys.partner)).body.listed).to.equal(true);
    });
  });

  describe('batch comparison (批量比对)', () => {
    const upload = (body: Buffer | string, contentType: string, query = '') =>
      t.request.post(`/api/v1/dishonesty-list/comparisons${query}`).set('X-API-Key', keys.partner).set('Content-Type', contentType).send(body);
    // A USCC with a wrong check character and an ID number with a wrong check digit: malformed codes, never "not listed".
    const badUscc = () => listed.uscc.slice(0, 17) + (listed.uscc[17] === '0' ? '1' : '0');
    const badId = ID_ZHANG.slice(0, 17) + (ID_ZHANG[17] === '0' ? '1' : '0');
    const inputs = () => [listed.uscc, removed.uscc, '测试安全生产企业901有限公司', ID_ZHANG, '某不存在的公司', '=1+2', badUscc(), badId];

    it('answers per row whether listed on the date and why (JSON), by code, name or a person’s ID number', async () => {
      const csv = `统一社会信用代码或名称\r\n${inputs().join('\r\n')}\r\n`;
      const res = await upload(csv, 'text/csv', `?date=${daysAgo(200)}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.summary).to.deep.equal({ rows: 8, listed: 3, notListed: 3, invalid: 2 });
      const [l, r, byName, person, unknown, formula, malformedUscc, malformedId] = res.body.results;
      expect(l).to.include({ row: 2, matchedBy: 'uscc', listed: false });
      expect(l.message).to.include('曾有列入记录');
      expect(r).to.include({ row: 3, matchedBy: 'uscc', listed: true });
      expect(r.listings[0].reason).to.include('瞒报、谎报生产安全事故');
      expect(byName).to.include({ matchedBy: 'name', listed: true });
      expect(person).to.include({ matchedBy: 'idNumber', listed: true });
      expect(person.listings[0].subject).to.deep.equal({ name: '张三', role: '主要负责人', idNumber: '110105********1232' });
      expect(JSON.stringify(res.body)).to.not.include(ID_ZHANG.slice(6, 14));
      expect(unknown).to.include({ matchedBy: null, listed: false });
      expect(formula).to.include({ matchedBy: null, listed: false, result: 'not_listed' });
      expect(malformedUscc).to.include({ result: 'invalid', matchedBy: null, message: '统一社会信用代码校验位错误（GB 32100）' });
      expect(malformedId).to.include({ result: 'invalid', message: '身份证号码校验不通过（GB 11643）' });
      expect(r.result).to.equal('listed');
      await expectAudited('dishonesty.compare');
    });

    it('today, as CSV for Excel (BOM, the echoed inputs formula-escaped); XLSX uploads work alike', async () => {
      const res = await upload(inputs().join('\n'), 'text/csv; charset=utf-8', '?answer=csv');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/csv/);
      expect(res.text.charCodeAt(0)).to.equal(0xfeff);
      const rows = parseCsv(res.text, { bom: true, columns: true }) as Record<string, string>[];
      expect(rows.map((x) => x['是否在名单内'])).to.deep.equal(['是', '否', '否', '否', '否', '否', '无效', '无效']);
      expect(rows[0]['说明']).to.include('列入安全生产严重失信主体名单');
      expect(rows[5]['输入']).to.equal("'=1+2");

      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('比对');
      ws.addRow(['统一社会信用代码']);
      for (const i of inputs()) ws.addRow([i]);
      const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
      const fromXlsx = await upload(xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(fromXlsx.status, JSON.stringify(fromXlsx.body)).to.equal(200);
      expect(fromXlsx.body.results.map((x: { result: string }) => x.result)).to.deep.equal(['listed', 'not_listed', 'not_listed', 'not_listed', 'not_listed', 'not_listed', 'invalid', 'invalid']);
    });

    it('a malformed code of any shape is "invalid" with the single check’s reason, never "not listed"; separators typed into a valid code are ignored', async () => {
      const dashed = `${listed.uscc.slice(0, 6)}-${listed.uscc.slice(6, 12)}-${listed.uscc.slice(12)}`;
      const rows = [
        listed.uscc.slice(0, 17), // one character short
        `${listed.uscc}9`, // one too many
        '9144030012345', // 13 characters
        dashed, // the listed unit, typed with separators
        `${badUscc().slice(0, 9)}-${badUscc().slice(9)}`, // wrong check character, with a separator
        `${ID_ZHANG.slice(0, 6)} ${ID_ZHANG.slice(6, 14)}-${ID_ZHANG.slice(14)}`, // the listed person, typed with a space and a dash
        `${badId.slice(0, 6)}-${badId.slice(6)}`, // wrong check digit, with a dash
        '110105900101123', // a 15-digit (first generation) ID number
        '=1+2',
      ];
      const res = await upload(`${rows.join('\n')}\n`, 'text/csv', `?date=${daysAgo(200)}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const results = res.body.results as { result: string; matchedBy: string | null; message: string; input: string }[];
      expect(results.map((r) => r.result)).to.deep.equal(['invalid', 'invalid', 'invalid', 'not_listed', 'invalid', 'listed', 'invalid', 'invalid', 'not_listed']);
      expect(results[0].message).to.equal('统一社会信用代码应为 18 位（GB 32100）');
      expect(results[2].message).to.equal('统一社会信用代码应为 18 位（GB 32100）');
      expect(results[3]).to.include({ matchedBy: 'uscc' });
      expect(results[3].message).to.include('曾有列入记录');
      expect(results[4].message).to.equal('统一社会信用代码校验位错误（GB 32100）');
      expect(results[5]).to.include({ matchedBy: 'idNumber', input: '110105********1232' });
      expect(results[6]).to.include({ message: '身份证号码校验不通过（GB 11643）', input: maskedBadId() });
      expect(results[7].message).to.include('身份证号码应为 18 位');
      expect(results[7].input).to.not.include('900101');
      expect(results[8].matchedBy).to.equal(null);
      expect(res.body.summary).to.deep.equal({ rows: 9, listed: 1, notListed: 2, invalid: 6 });
      const csv = parseCsv((await upload(`${rows.join('\n')}\n`, 'text/csv', `?date=${daysAgo(200)}&answer=csv`)).text, { bom: true, columns: true }) as Record<string, string>[];
      expect(csv.map((x) => x['识别方式'])).to.deep.equal(['格式无效', '格式无效', '格式无效', '统一社会信用代码', '格式无效', '证件号码', '格式无效', '格式无效', '未匹配']);
      expect(csv.map((x) => x['是否在名单内'])).to.deep.equal(['无效', '无效', '无效', '否', '无效', '是', '无效', '无效', '否']);
    });
    const maskedBadId = () => `${badId.slice(0, 6)}********${badId.slice(14)}`;

    it('refuses more than 10,000 subjects (413), other file types (415) and files without data (400)', async () => {
      const many = Array.from({ length: 10_001 }, (_, i) => `某公司${i}`).join('\n');
      const tooMany = await upload(many, 'text/csv');
      expect(tooMany.status).to.equal(413);
      expect(tooMany.body.error.message).to.include('10000');
      expect((await upload('{}', 'application/json')).status).to.equal(415);
      expect((await upload('统一社会信用代码\n', 'text/csv')).status).to.equal(400);
    });
  });

  describe('punishment feedback (惩戒反馈)', () => {
    it('a partner records a measure it applied to a listed subject; regulators see it per subject and per partner', async () => {
      const body = { measureCode: 'M03', appliedOn: todayInShanghai(), caseNumber: '发改采〔2026〕7号', note: '取消其参加本次政府采购的资格' };
      const res = await t.request.post(`/api/v1/dishonesty-list/${listed.id}/measures`).set('X-API-Key', keys.partner).send(body);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.deep.include({ listingId: listed.id, uscc: listed.uscc, appliedOn: todayInShanghai(), caseNumber: '发改采〔2026〕7号' });
      expect(res.body.measure).to.deep.equal({ code: 'M03', text: '依法限制参加政府采购活动' });
      expect((await t.request.post(`/api/v1/dishonesty-list/${listed.id}/measures`).set('X-API-Key', keys.partner).send(body)).status).to.equal(409);
      const other = await t.request.post(`/api/v1/dishonesty-list/${listed.id}/measures`).set('X-API-Key', keys.otherPartner).send({ measureCode: 'M01', appliedOn: todayInShanghai(), caseNumber: '财〔2026〕1号' });
      expect(other.status).to.equal(201);
      const notDecided = await t.request.post(`/api/v1/dishonesty-list/${listed.id}/measures`).set('X-API-Key', keys.partner).send({ measureCode: 'M04', appliedOn: todayInShanghai(), caseNumber: 'X1' });
      expect(notDecided.status).to.equal(409);
      const notListed = await t.request.post(`/api/v1/dishonesty-list/${removed.id}/measures`).set('X-API-Key', keys.partner).send({ measureCode: 'M01', appliedOn: todayInShanghai(), caseNumber: 'X2' });
      expect(notListed.status).to.equal(409);
      await expectAudited('dishonesty.feedback', res.body.id);

      const bySubject = await t.request.get(`/api/v1/dishonesty-list/measures?uscc=${listed.uscc}`).set('X-API-Key', keys.regulator);
      expect(bySubject.status).to.equal(200);
      expect(bySubject.body.items.map((i: { partner: { name: string } }) => i.partner.name).sort()).to.deep.equal(['市发展改革委', '市财政局']);
      const summary = await t.request.get('/api/v1/dishonesty-list/measures/summary?by=partner').set('X-API-Key', keys.regulator);
      expect(summary.body.items.map((i: { name: string; total: number; byMeasure: Record<string, number> }) => [i.name, i.total, i.byMeasure])).to.deep.equal([
        // Equal totals: pinyin order (财 cái before 发 fā).
        ['市财政局', 1, { M01: 1 }],
        ['市发展改革委', 1, { M03: 1 }],
      ]);
      const subjects = await t.request.get('/api/v1/dishonesty-list/measures/summary?by=subject').set('X-API-Key', keys.regulator);
      expect(subjects.body.items).to.deep.equal([{ id: listed.uscc, name: FORMULA_NAME, total: 2, byMeasure: { M01: 1, M03: 1 } }]);
      expect((await t.request.get('/api/v1/dishonesty-list/measures').set('X-API-Key', keys.partner)).status).to.equal(403);
    });
  });

  describe('publication to the credit platforms', () => {
    it('the listing goes out as a new version of each cited penalty, marked listed; the early removal as a new version without the mark, still 严重', async () => {
      const fakes = await startFakes();
      const engine = engineFor(fastConfigs(fakes.env));
      try {
        for (let i = 0; i < 10; i++) if ((await engine.sweep({ budgetMs: 10_000 })).every((p) => p.sent === 0)) break;
        for (const p of [fakes.municipal, fakes.national]) {
          expect(p.latestVersion(listed.penaltyId)).to.equal(2);
          const v2 = p.store.get(`${listed.penaltyId}@2`)!;
          expect(v2.op).to.equal('upsert');
          expect(String(v2.data!.BZ)).to.include('【严重失信主体名单】已列入安全生产严重失信主体名单').and.include(listed.end);
          expect(v2.data!.CF_GSJZQ).to.equal(listed.end);
          expect(p.latestVersion(removed.penaltyId)).to.equal(3);
          // Ending the listing does not downgrade the penalty (issue 15): still published, through 3 years from its decision.
          const v3 = p.store.get(`${removed.penaltyId}@3`)!;
          expect(v3.op).to.equal('upsert');
          expect(String(v3.data!.BZ ?? '')).to.not.include('严重失信主体名单');
          expect(v3.data!.CF_GSJZQ).to.equal(addYears(daysAgo(440), 3));
        }
      } finally {
        engine.shutdown();
        await fakes.stop();
      }
    });
  });

  describe('the daily files (EXPORT_DIR) and the CLI export', () => {
    it('writes the full list and the delta with their manifests; the files download through the API with the same sha256', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dishonesty-exports-'));
      try {
        const today = todayInShanghai();
        const r = await runDailyDishonesty({ exportDir: dir, now: new Date(Date.now() + 10 * 60_000) });
        expect(r.ran).to.equal(true);
        const dayDir = join(dir, 'dishonesty-list', today);
        const files = readdirSync(dayDir).sort();
        expect(files.filter((f) => f.endsWith('.csv') || f.endsWith('.jsonl'))).to.have.length(4);
        expect(files.filter((f) => f.endsWith('.manifest.json'))).to.have.length(4);
        expect(files.some((f) => f.endsWith('.part'))).to.equal(false);
        const full = JSON.parse(readFileSync(join(dayDir, `dishonesty-list_asof-${today}.csv.manifest.json`), 'utf8'));
        const bytes = readFileSync(join(dayDir, `dishonesty-list_asof-${today}.csv`));
        expect(full).to.include({ rowCount: 1, sha256: sha256(bytes), origin: 'job', status: 'complete' });
        const download = await binary(t.request.get(`/api/v1/exports/${full.id}/file`).set('X-API-Key', keys.partner));
        expect(download.status).to.equal(200);
        expect(sha256(download.body as Buffer)).to.equal(full.sha256);
        const deltaName = files.find((f) => f.startsWith('dishonesty-list_delta_') && f.endsWith('.jsonl'))!;
        const delta = jsonl(readFileSync(join(dayDir, deltaName)));
        expect(delta.map((d) => d.changeType)).to.include.members(['addition', 'removal']);
        // A second run the same day writes nothing new for the full list.
        const again = await runDailyDishonesty({ exportDir: dir, now: new Date(Date.now() + 11 * 60_000) });
        expect((again as { files: { fileName: string }[] }).files.map((f) => f.fileName).filter((n) => n.includes('asof'))).to.deep.equal([]);

        const out = join(dir, 'cli.xlsx');
        const m = await exportToFile({ format: 'xlsx', asOf: daysAgo(200) }, out, { principal: SYSTEM_PRINCIPAL, origin: 'cli' });
        expect(existsSync(out)).to.equal(true);
        expect(m).to.include({ rowCount: 3, sha256: sha256(readFileSync(out)), origin: 'cli' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
  describe('an interrupted download', () => {
    it('is recorded as failed (audited), and the export stops reading', async () => {
      const today = todayInShanghai();
      const [from, to] = [daysAgo(5), daysAgo(-900)];
      await appendEntriesBulk(
        (function* () {
          for (let i = 0; i < 40_000; i++) {
            yield { caseId: new mongoose.Types.ObjectId().toHexString(), span: 0, from, to, start: from, groundCode: 'g', decisionNumber: `批量〔2026〕${i}号`, decisionDate: from, authorityName: '深圳市应急管理局', authorityUscc: AUTHORITY_USCC, uscc: makeUscc(7_000_000 + i), subjectName: `批量测试企业${i}有限公司`, subjectType: '法人及非法人组织', persons: [], measures: ['M01'], events: [{ type: 'listed' as const, at: Date.now() - 1000 }] };
          }
        })(),
      );
      const server = t.app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const { port } = server.address() as AddressInfo;
        const exportId = await new Promise<string>((resolve, reject) => {
          const req = http.get(`http://127.0.0.1:${port}/api/v1/exports/dishonesty-list?format=csv&asOf=${today}`, { headers: { 'x-api-key': keys.partner } }, (res) => {
            res.once('data', () => {
              req.destroy();
              resolve(String(res.headers['x-export-id']));
            });
          });
          req.on('error', () => undefined);
          setTimeout(() => reject(new Error('no data')), 10_000);
        });
        let status = 'running';
        for (let i = 0; i < 100 && status === 'running'; i++) {
          await new Promise((r) => setTimeout(r, 50));
          status = (await t.request.get(`/api/v1/exports/${exportId}`).set('X-API-Key', keys.partner)).body.status;
        }
        const m = (await t.request.get(`/api/v1/exports/${exportId}`).set('X-API-Key', keys.partner)).body;
        expect(m).to.include({ status: 'failed', error: '接收方中断了下载', sha256: null });
        expect(m.rowCount).to.be.below(40_000);
        await expectAudited('export.dishonestyList', exportId, { outcome: 'failure' });
      } finally {
        server.close();
      }
    });
  });
});
