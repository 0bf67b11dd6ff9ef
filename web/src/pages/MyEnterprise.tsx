/** 本企业信用 (enterprise role): own grade and its reasons, records with publicity and repair dates, applications. */
import { get } from '../api.js';
import { GradeCard, GradeHistoryCard, ListingTable, ProfileCard, RecordsTable, RepairOffer, RepairsTable, type RepairEligibility } from '../components/credit.js';
import { Card, PageHeader, Show, useApi } from '../components/ui.js';
import { today } from '../labels.js';
import { useMe } from '../session.js';
import type { DishonestyCase, Enterprise, Grade, GradeHistoryItem, Page, RecordItem, Repair } from '../types.js';

/** A penalty the enterprise may try to repair: still published (its eligibility says whether it can now). */
const repairable = (r: RecordItem) => r.kind === 'penalty' && r.lifecycle === 'active' && r.published !== false;

export function MyEnterprise() {
  const me = useMe();
  const uscc = me.uscc ?? '';
  const enterprise = useApi(() => get<Enterprise>(`/enterprises/${uscc}`), [uscc]);
  const grade = useApi(() => get<Grade>(`/grades/${uscc}`), [uscc]);
  const history = useApi(() => get<Page<GradeHistoryItem>>(`/grades/${uscc}/history`), [uscc]);
  const records = useApi(() => get<Page<RecordItem>>(`/enterprises/${uscc}/records`, { limit: 500 }), [uscc]);
  const repairs = useApi(() => get<Page<Repair>>('/repairs'), []);
  const cases = useApi(() => get<Page<DishonestyCase>>('/dishonesty-list'), []);
  const open = new Set((repairs.data?.items ?? []).filter((r) => ['submitted', 'accepted', 'approved'].includes(r.state)).map((r) => r.recordId));
  // The eligibility of each published penalty: 申请修复 is offered only where it says yes.
  const candidates = (records.data?.items ?? []).filter(repairable);
  const eligibility = useApi(
    async () => new Map(await Promise.all(candidates.map(async (r) => [r.id, await get<RepairEligibility>(`/penalties/${r.id}/repair-eligibility`).catch(() => null)] as const))),
    [candidates.map((r) => `${r.id}:${r.version}`).join(',')],
  );
  return (
    <>
      <PageHeader title={enterprise.data?.name ?? '本企业信用'} />
      <div class="grid-2">
        <GradeCard grade={grade} />
        <Show loaded={enterprise} what="企业信息">
          {(e) => <ProfileCard enterprise={e} />}
        </Show>
      </div>
      <GradeHistoryCard history={history} />
      <Card title="本企业的许可和处罚记录" id="records">
        <p class="muted small">处罚记录自决定之日起公示；最短公示期满、履行完义务并作出信用承诺后，可申请信用修复，核准后停止公示。</p>
        <Show loaded={records} what="记录">
          {(page) => (
            <RecordsTable
              records={page.items}
              actionHead="信用修复"
              action={(r) => (repairable(r) || open.has(r.id) ? <RepairOffer record={r} eligibility={eligibility.data?.get(r.id)} open={open.has(r.id)} /> : null)}
            />
          )}
        </Show>
      </Card>
      <Card title="我的信用修复申请" id="repairs">
        <Show loaded={repairs} what="修复申请">
          {(page) => <RepairsTable repairs={page.items} today={today()} />}
        </Show>
      </Card>
      <Card title="严重失信主体名单" id="listing">
        <Show loaded={cases} what="名单案件">
          {(page) => <ListingTable cases={page.items} />}
        </Show>
      </Card>
    </>
  );
}
