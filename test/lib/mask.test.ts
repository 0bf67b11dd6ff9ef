import { expect } from 'chai';
import { Writable } from 'node:stream';
import winston from 'winston';
import { isIdNumberField, isResidentIdNumber, maskIdFields, maskIdNumber, maskIdNumbersInText } from '../../src/lib/mask.js';
import { logger } from '../../src/lib/logger.js';

/** A valid 18-character resident ID (GB 11643 check character). */
const ID = '11010519491231002X';

describe('lib/mask: ID numbers (证件号码)', () => {
  describe('maskIdNumber (table-driven)', () => {
    const cases: [string, string, string][] = [
      ['18-character resident ID keeps first 6 and last 4', '110105199001011234', '110105********1234'],
      ['18 characters ending in X', ID, '110105********002X'],
      ['15-character (first-generation) ID keeps last 4', '110105900101123', '***********1123'],
      ['passport number', 'E12345678', '*****5678'],
      ['5 characters', '12345', '*2345'],
      ['4 characters are masked whole', '1234', '****'],
      ['1 character', '7', '*'],
      ['empty stays empty', '', ''],
      ['surrounding spaces are dropped', ' 110105199001011234 ', '110105********1234'],
      ['non-ASCII characters count as one each', '港澳通行证H1234567', '*********4567'],
      ['already masked (idempotent)', '110105********1234', '110105********1234'],
    ];
    for (const [name, input, expected] of cases) {
      it(name, () => {
        expect(maskIdNumber(input)).to.equal(expected);
        expect(maskIdNumber(maskIdNumber(input))).to.equal(expected);
      });
    }
  });

  describe('isIdNumberField', () => {
    const yes = ['idNumber', 'legalRepIdNumber', 'subjectIdNumber', 'principalIdNumber', 'id_number', 'legal_rep_id_number', 'zjhm', 'ZJHM', 'CF_XDR_ZJHM', 'XK_FR_ZJHM', 'frZjhm'];
    const no = ['id', 'number', 'paidNumber', 'certificateNumber', 'decisionNumber', 'idType', 'legalRepIdType', 'zjlx', 'IdNumbers', 'validUntil'];
    for (const k of yes) it(`${k} holds an ID number`, () => expect(isIdNumberField(k)).to.equal(true));
    for (const k of no) it(`${k} does not`, () => expect(isIdNumberField(k)).to.equal(false));
  });

  describe('maskIdFields', () => {
    it('masks ID fields at any depth, in arrays too, without touching anything else', () => {
      const at = new Date('2026-11-02T00:00:00Z');
      const input = {
        name: '张三',
        decisionNumber: '深应急罚〔2026〕1号',
        at,
        legalRepIdNumber: '110105199001011234',
        persons: [{ name: '李四', idNumber: 'E12345678' }, { name: '王五' }],
        nested: { deeper: { CF_XDR_ZJHM: '440305198001011111' } },
        zjhm: ['110105199001011234', null],
        numericIdNumber: 110105199001011,
      };
      const out = maskIdFields(input);
      expect(out).to.deep.equal({
        name: '张三',
        decisionNumber: '深应急罚〔2026〕1号',
        at,
        legalRepIdNumber: '110105********1234',
        persons: [{ name: '李四', idNumber: '*****5678' }, { name: '王五' }],
        nested: { deeper: { CF_XDR_ZJHM: '440305********1111' } },
        zjhm: ['110105********1234', null],
        numericIdNumber: '***********1011',
      });
      expect(out.at).to.equal(at);
    });

    it('never mutates its input, and returns the same reference when nothing is masked', () => {
      const input = { a: { idNumber: '110105199001011234' }, b: [1, 2] };
      const copy = structuredClone(input);
      const out = maskIdFields(input);
      expect(input).to.deep.equal(copy);
      expect(out.b).to.equal(input.b);
      const clean = { items: [{ uscc: '914403001922038216', name: 'x' }], nextCursor: null };
      expect(maskIdFields(clean)).to.equal(clean);
    });

    it('with inText, masks resident ID numbers inside strings, not USCCs or other codes', () => {
      const out = maskIdFields({ message: `E11000 duplicate key: { subjectIdNumber: "${ID}" }`, uscc: '914403001922038216' }, { inText: true });
      expect(out.message).to.equal('E11000 duplicate key: { subjectIdNumber: "110105********002X" }');
      expect(out.uscc).to.equal('914403001922038216');
    });
  });

  describe('maskIdNumbersInText / isResidentIdNumber', () => {
    it('recognises a resident ID by its birth date and check character', () => {
      expect(isResidentIdNumber(ID)).to.equal(true);
      expect(isResidentIdNumber('110105194912310021')).to.equal(false); // wrong check character
      expect(isResidentIdNumber('110105194913310028')).to.equal(false); // month 13
      expect(isResidentIdNumber('914403001922038216')).to.equal(false); // a USCC
    });
    it('leaves text without ID numbers alone and masks the ones it finds', () => {
      expect(maskIdNumbersInText('no numbers here')).to.equal('no numbers here');
      expect(maskIdNumbersInText(`当事人 ${ID}，统一社会信用代码 914403001922038216`)).to.equal('当事人 110105********002X，统一社会信用代码 914403001922038216');
      expect(maskIdNumbersInText(`x${ID}9`)).to.equal(`x${ID}9`); // part of a longer token
    });
  });

  describe('the service logger', () => {
    let lines: string[];
    let transport: winston.transports.StreamTransportInstance;
    const silenced: winston.transport[] = [];
    beforeEach(() => {
      lines = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      });
      transport = new winston.transports.Stream({ stream: sink });
      for (const t of logger.transports) {
        if (t.silent) continue;
        t.silent = true;
        silenced.push(t);
      }
      logger.add(transport);
    });
    afterEach(() => {
      logger.remove(transport);
      for (const t of silenced.splice(0)) t.silent = false;
    });

    it('masks ID-number fields at any depth and resident IDs inside messages and errors', () => {
      const err = new Error(`E11000 duplicate key error dup key: { subjectIdNumber: "${ID}" }`);
      logger.error(`import row rejected for ${ID}`, {
        idNumber: '110105199001011234',
        record: { legalRepIdNumber: 'E12345678', persons: [{ zjhm: '440305198001011111' }] },
        err,
      });
      expect(lines).to.have.length(1);
      const line = lines[0];
      const parsed = JSON.parse(line);
      expect(parsed.idNumber).to.equal('110105********1234');
      expect(parsed.record.legalRepIdNumber).to.equal('*****5678');
      expect(parsed.record.persons[0].zjhm).to.equal('440305********1111');
      expect(parsed.message).to.equal('import row rejected for 110105********002X');
      expect(parsed.err.message).to.include('110105********002X');
      for (const raw of [ID, '110105199001011234', 'E12345678', '440305198001011111']) expect(line).not.to.include(raw);
      expect(err.message).to.include(ID); // the caller's error object is not changed
    });
  });
});
