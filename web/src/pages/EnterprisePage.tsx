/** 企业详情 (staff): profile, current grade with its reasons, grade history, records with delivery, listing, repairs. */
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { GradeCard, GradeHistoryCard, ListingTable, ProfileCard, RecordsTable, RepairsTable } from '../components/credit.js';
import { Card, PageHeader, Show, useApi } from '../components/ui.js';
import { today } from '../labels.js';
import { hasRole, useMe } from '../session.js';
import type { DishonestyCase, Grade, GradeHistoryItem, Page, RecordItem, Repair } from '../types.js';
import { fieldLabels, type EnterpriseFull } from './EnterpriseForm.js';
import { RevokePanel } from './RevokeRecord.js';

export function EnterprisePage({ uscc }: { uscc: string }) {
  const me = useMe();
  const enterprise = useApi(() => get<EnterpriseFull>(`/enterprises/${uscc}`), [uscc]);
  const grade = useApi(() => get<Grade>(`/grades/${uscc}`), [uscc]);
  const history = useApi(() => get<Page<GradeHistoryItem>>(`/grades/${uscc}/history`), [uscc]);
  const records = useApi(() => get<Page<RecordItem>>(`/enterprises/${uscc}/records`, { limit: 500 }), [uscc]);
  const cases = useApi(() => get<Page<DishonestyCase>>('/dishonesty-list', { uscc }), [uscc]);
  const repairs = useApi(() => get<Page<Repair>>('/repairs', { uscc }), [uscc]);
  const clerk = hasRole(me, 'clerk');
  const [revoking, setRevoking] = useState<RecordItem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const e = enterprise.data;
  return (
    <>
      <PageHeader title={enterprise.data?.name ?? uscc}>
        {clerk ? (
          <a class="button" href={`#/records/new?uscc=${uscc}`}>
            录入记录
          </a>
        ) : null}
        {clerk ? (
          <a class="button" href={`#/enterprises/${uscc}/edit`}>
            {e?.needsCompletion ? '补全企业信息' : '修改企业信息'}
          </a>
        ) : null}
        <a class="button" href="#/enterprises">
          返回查询
        </a>
      </PageHeader>
      {e?.needsCompletion ? (
        <div class="alert alert-warn" data-testid="needs-completion">
          该企业由记录或导入自动建立，尚缺少：{fieldLabels(e.missingFields)}。
          {clerk ? <a href={`#/enterprises/${uscc}/edit`}>立即补全</a> : null}
        </div>
      ) : null}
      {done ? (
        <div class="alert alert-ok" role="status" data-testid="record-done">
          {done}
        </div>
      ) : null}
      <div class="grid-2">
        <Show loaded={enterprise} what="企业信息">
          {(e) => <ProfileCard enterprise={e} />}
        </Show>
        <GradeCard grade={grade} />
      </div>
      <GradeHistoryCard history={history} />
      <Card title="许可和处罚记录" id="records">
        <Show loaded={records} what="记录">
          {(page) => (
            <RecordsTable
              records={page.items}
              action={
                clerk
                  ? (r) =>
                      r.lifecycle === 'active' ? (
                        <span class="row-actions">
                          <a href={`#/records/${r.kind}/${r.id}/correct`} aria-label={`更正 ${r.decisionNumber}`}>
                            更正
                          </a>
                          <button
                            type="button"
                            class="link"
                            aria-label={`撤销 ${r.decisionNumber}`}
                            onClick={() => {
                              setDone(null);
                              setRevoking(r);
                              requestAnimationFrame(() => document.getElementById('revoke-panel')?.scrollIntoView({ block: 'start' }));
                            }}
                          >
                            撤销
                          </button>
                          {r.kind === 'penalty' && r.published !== false ? (
                            <a href={`#/penalties/${r.id}/fulfilment`} aria-label={`${r.decisionNumber} 履行登记`}>
                              履行登记
                            </a>
                          ) : null}
                        </span>
                      ) : null
                  : undefined
              }
            />
          )}
        </Show>
      </Card>
      {revoking ? (
        <RevokePanel
          key={revoking.id}
          record={revoking}
          onCancel={() => setRevoking(null)}
          onDone={(after) => {
            setRevoking(null);
            setDone(`已撤销 ${after.decisionNumber}，该记录现为“已撤销”`);
            records.reload();
            grade.reload();
            history.reload();
          }}
        />
      ) : null}
      <div class="grid-2">
        <Card title="严重失信主体名单" id="listing">
          {clerk ? (
            <p>
              <a class="button" href={`#/listing/propose?uscc=${uscc}`}>
                提请列入
              </a>
            </p>
          ) : null}
          <Show loaded={cases} what="名单案件">
            {(page) => <ListingTable cases={page.items} />}
          </Show>
        </Card>
        <Card title="信用修复申请" id="repairs">
          <Show loaded={repairs} what="修复申请">
            {(page) => <RepairsTable repairs={page.items} today={today()} />}
          </Show>
        </Card>
      </div>
    </>
  );
}
