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
