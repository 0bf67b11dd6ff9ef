import { USCC_CHARSET, usccCheckChar } from '../../src/lib/uscc.js';

/** A valid 统一社会信用代码 derived from a number (deterministic), in the given division. */
export function makeUscc(n: number, division = '440300'): string {
  let body = '';
  let x = n;
  for (let i = 0; i < 9; i++) {
    body = USCC_CHARSET[x % 31] + body;
    x = Math.floor(x / 31);
  }
  const first17 = `91${division}${body}`;
  return first17 + usccCheckChar(first17);
}

export function enterpriseBody(n: number, over: Record<string, unknown> = {}) {
  const division = (over.districtCode as string) ?? '440305';
  return {
    uscc: makeUscc(n, division),
    name: `测试安全生产企业${n}有限公司`,
    subjectType: '法人及非法人组织',
    legalRepresentative: '张三',
    districtCode: division,
    industryCode: 'C2614',
    address: '深圳市南山区科技园',
    standardisationGrade: '二级',
    supervisingAuthority: '深圳市应急管理局',
    ...over,
  };
}

/** The deciding authority of the fixtures: 深圳市应急管理局. */
export const AUTHORITY_USCC = makeUscc(424242, '440300');

/** The fixtures' deciding authority, also the source of the records. */
const AUTHORITY = { authorityName: '深圳市应急管理局', authorityUscc: AUTHORITY_USCC, sourceName: '深圳市应急管理局', sourceUscc: AUTHORITY_USCC };

/** Enterprise n as a record names its subject. */
const subjectOf = (n: number) => ({ subjectName: `测试安全生产企业${n}有限公司`, subjectType: '法人及非法人组织', uscc: makeUscc(n, '440305'), legalRepresentative: '张三' });

export function penaltyBody(n: number, over: Record<string, unknown> = {}) {
  return {
    ...subjectOf(n),
    decisionNumber: `深应急罚〔2026〕${n}号`,
    decisionDate: '2026-11-02',
    violationType: '未按规定对从业人员进行安全生产教育和培训',
    facts: '经查，该单位未按规定对从业人员进行安全生产教育和培训。',
    legalBasis: '《中华人民共和国安全生产法》第九十七条',
    penaltyTypes: ['罚款'],
    fineAmount: 3.5,
    content: '罚款人民币叁万伍仟元整',
    validUntil: '2027-11-02',
    ...AUTHORITY,
    ...over,
  };
}

export function permitBody(n: number, over: Record<string, unknown> = {}) {
  return {
    ...subjectOf(n),
    documentName: '安全生产许可证核发决定书',
    decisionNumber: `深应急许〔2026〕${n}号`,
    permitCategory: '普通',
    certificateName: '安全生产许可证',
    certificateNumber: `(粤)WH安许证字[2026]${n}`,
    content: '危险化学品经营',
    decisionDate: '2026-11-02',
    validFrom: '2026-11-02',
    validTo: '2029-11-01',
    ...AUTHORITY,
    ...over,
  };
}
