process.env.TZ ??= 'Asia/Shanghai';

import { Command, Option } from 'commander';
import { loadConfig, ConfigError } from './config.js';
import { openDatabase, type Database } from './db/connection.js';
import { startEmbedded } from './db/embedded.js';
import { setLogLevel } from './lib/logger.js';
import { createApiKey, listApiKeys, revokeApiKey, ROLES, type Role } from './modules/auth/index.js';
import { validateValue } from './http/validate.js';
import { createApiKeyBody } from '../schemas/apiKeys.js';
import { IMPORT_KINDS } from '../schemas/imports.js';
import { kindOfParam, type ImportKindParam } from './modules/imports/kinds.js';
import { recordAudit } from './modules/audit/index.js';
import type { Principal } from './modules/auth/index.js';

/**
 * Operators' command line: `npm run cli -- <command>`.
 * Without MONGODB_URI it uses the embedded database under DATA_DIR, reusing the one a running service started.
 */
const CLI_PRINCIPAL = { id: 'cli', name: `cli:${process.env.USER ?? 'operator'}`, roles: ['admin' as Role] };

async function withDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`配置无效:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw err;
  }
  setLogLevel(process.env.LOG_LEVEL ?? 'warn');
  const db = await openDatabase(config, { reuseEmbedded: true });
  try {
    // Working days count with the holiday schedules an administrator loaded (src/modules/calendar).
    const { refreshSchedules } = await import('./modules/calendar/index.js');
    await refreshSchedules();
    return await fn(db);
  } finally {
    await db.close();
  }
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const program = new Command();
program.name('cli').description('安全生产信用监管服务 — operator commands');

const apiKey = program.command('api-key').description('API 密钥管理');
apiKey
  .command('create')
  .description('创建 API 密钥（明文只显示这一次）')
  .addOption(new Option('--role <role...>', '角色（可多个）').choices(ROLES as unknown as string[]).makeOptionMandatory())
  .requiredOption('--name <name>', '名称（使用人或系统）')
  .option('--uscc <uscc>', '企业用户绑定的统一社会信用代码')
  .option('--scope <division...>', '职权范围：行政区划代码')
  .option('--expires <iso>', '过期时间（ISO 8601）')
  .option('--authority-uscc <uscc>', '录入/审核人员所代表的行政机关统一社会信用代码（严重失信名单“谁处罚、谁决定”）')
  .option('--authority-name <name>', '所代表的行政机关名称')
  .option('--full-id-numbers', '协同部门依数据共享协议接收列入人员完整证件号码（留痕）')
  .action(async (opts: { role: Role[]; name: string; uscc?: string; scope?: string[]; expires?: string; authorityUscc?: string; authorityName?: string; fullIdNumbers?: boolean }) => {
    const { value, details } = validateValue<{ name: string; roles: Role[]; uscc?: string; scope: string[]; expiresAt?: Date; authorityUscc?: string; authorityName?: string; fullIdNumbers?: boolean }>(createApiKeyBody, {
      name: opts.name,
      roles: opts.role,
      uscc: opts.uscc,
      scope: opts.scope,
      expiresAt: opts.expires,
      authorityUscc: opts.authorityUscc,
      authorityName: opts.authorityName,
      fullIdNumbers: opts.fullIdNumbers,
    });
    if (!value) fail(details!.map((d) => `${d.path}: ${d.message}`).join('\n'));
    await withDb(async () => {
      const { key, apiKey: created } = await createApiKey(value, CLI_PRINCIPAL.id);
      await recordAudit({ action: 'apiKey.create', resource: 'apiKey', resourceId: created.id, principal: CLI_PRINCIPAL, after: created });
      if (created.fullIdNumbers) await recordAudit({ action: 'apiKey.fullIdNumbers.grant', resource: 'apiKey', resourceId: created.id, principal: CLI_PRINCIPAL, after: { name: created.name, roles: created.roles, fullIdNumbers: true } });
      process.stdout.write(`${JSON.stringify({ ...created, key }, null, 2)}\n`);
      process.stderr.write('请妥善保存密钥：它只显示这一次。\n');
    });
  });
apiKey
  .command('list')
  .description('列出 API 密钥')
  .action(async () => {
    await withDb(async () => process.stdout.write(`${JSON.stringify(await listApiKeys(), null, 2)}\n`));
  });
apiKey
  .command('revoke <id>')
  .description('吊销 API 密钥')
  .action(async (id: string) => {
    await withDb(async () => {
      const revoked = await revokeApiKey(id);
      await recordAudit({ action: 'apiKey.revoke', resource: 'apiKey', resourceId: id, principal: CLI_PRINCIPAL, after: revoked });
      process.stdout.write(`${JSON.stringify(revoked, null, 2)}\n`);
    });
  });

program
  .command('db')
  .description('只启动嵌入式数据库（FerretDB），打印连接串，直到 Ctrl-C（供多实例、压测使用）')
  .option('--port <port>', '端口', '27018')
  .action(async (opts: { port: string }) => {
    const config = loadConfig();
    const db = await startEmbedded({ dataDir: config.dataDir, binPath: config.ferretdbBin, port: Number(opts.port) });
    process.stdout.write(`MONGODB_URI=${db.uri}\n`);
    const stop = () => void db.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    setInterval(() => undefined, 1 << 30);
  });

program
  .command('push')
  .description('双公示推送：--once 立即推送一次；--feedback 拉取平台反馈；--daily 执行许可到期与公示期满处理')
  .option('--once', '推送一次所有到期记录', true)
  .option('--feedback', '拉取各平台数据反馈')
  .option('--daily', '许可到期、公示期满撤下')
  .option('--budget <seconds>', '最长运行秒数', '600')
  .action(async (opts: { feedback?: boolean; daily?: boolean; budget: string }) => {
    await withDb(async () => {
      const { runPushOnce, runFeedbackOnce, runDailyPublicity } = await import('./modules/publicity/index.js');
      const out = opts.daily ? await runDailyPublicity() : opts.feedback ? await runFeedbackOnce() : await runPushOnce({ budgetMs: Number(opts.budget) * 1000 });
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });
  });

program
  .command('import <file>')
  .description('批量导入行政许可、行政处罚或企业名录（CSV / XLSX / JSONL）：与上传接口相同的处理，显示进度，打印汇总和错误报告位置')
  .addOption(new Option('--kind <kind>', '导入种类').choices(IMPORT_KINDS).makeOptionMandatory())
  .addOption(new Option('--format <format>', '文件格式（默认按扩展名）').choices(['csv', 'xlsx', 'jsonl']))
  .option('--errors-out <path>', '错误报告 CSV 的保存位置（默认当前目录 import-<id>-errors.csv）')
  .action(async (file: string, opts: { kind: ImportKindParam; format?: 'csv' | 'xlsx' | 'jsonl'; errorsOut?: string }) => {
    const { existsSync, createWriteStream } = await import('node:fs');
    const { SingleBar, Presets } = await import('cli-progress');
    const { importFile, formatOfFileName, presentImport, writeErrorReport } = await import('./modules/imports/index.js');
    const format = opts.format ?? formatOfFileName(file);
    if (!format) fail('无法从扩展名判断文件格式，请用 --format csv|xlsx|jsonl 指定');
    if (!existsSync(file)) fail(`文件不存在：${file}`);
    const principal: Principal = { ...CLI_PRINCIPAL, scope: [], via: 'apiKey' };
    await withDb(async () => {
      const bar = new SingleBar({ format: '导入 [{bar}] {percentage}% | {value}/{total} 行 | 新建 {created} 未变化 {unchanged} 补全 {completed} 失败 {failed}', hideCursor: true }, Presets.shades_classic);
      let started = false;
      const doc = await importFile(file, kindOfParam(opts.kind), format, principal, (p) => {
        const payload = { created: p.created, unchanged: p.unchanged, completed: p.completed, failed: p.failed };
        if (!started) {
          bar.start(p.rowsTotal ?? 0, p.rowsRead, payload);
          started = true;
        } else bar.update(p.rowsRead, payload);
      });
      if (started) bar.stop();
      if (!doc) fail('导入未完成（进程正在停止或已由其他实例接管），稍后可用 GET /api/v1/imports 查看');
      const out = presentImport(doc);
      let errorReport: string | null = null;
      if (doc.failed > 0 || doc.error) {
        errorReport = opts.errorsOut ?? `import-${out.id}-errors.csv`;
        await writeErrorReport(doc, createWriteStream(errorReport));
      }
      process.stdout.write(`${JSON.stringify({ ...out, errorReport }, null, 2)}\n`);
      process.stderr.write(
        doc.status === 'done'
          ? `导入完成：共 ${doc.rowsRead} 行，新建 ${doc.created}，未变化 ${doc.unchanged}，${doc.completed ? `补全 ${doc.completed}，` : ''}失败 ${doc.failed}。${errorReport ? `错误报告：${errorReport}（也可通过 GET ${out.errorsUrl} 下载）` : ''}\n`
          : `导入失败：${doc.error ?? ''}${errorReport ? `。错误报告：${errorReport}` : ''}\n`,
      );
      if (doc.status !== 'done') process.exitCode = 1;
    });
  });

const repairs = program.command('repairs').description('信用修复');
repairs
  .command('overdue')
  .description('列出逾期未办结的信用修复环节（受理、作出决定、结果共享），按工作日计算')
  .option('--date <YYYY-MM-DD>', '以该日期判断（默认今天，Asia/Shanghai）')
  .action(async (opts: { date?: string }) => {
    const { todayInShanghai } = await import('./lib/calendar.js');
    const { isCalendarDate } = await import('../schemas/common.js');
    if (opts.date && !isCalendarDate(opts.date)) fail('--date 须为 YYYY-MM-DD 格式的有效日期');
    const date = opts.date ?? todayInShanghai();
    await withDb(async () => {
      const { allOverdue } = await import('./modules/repair/index.js');
      const items = await allOverdue(date);
      process.stdout.write(`${JSON.stringify({ date, count: items.length, items }, null, 2)}\n`);
      process.stderr.write(items.length ? `${date}：${items.length} 个环节逾期\n` : `${date}：没有逾期的环节\n`);
    });
  });
repairs
  .command('effects')
  .description('执行（或续做）已准予修复申请的后续处理：停止公示、标记重新评级')
  .action(async () => {
    await withDb(async () => {
      const { runRepairEffectsOnce } = await import('./modules/repair/index.js');
      process.stdout.write(`${JSON.stringify(await runRepairEffectsOnce(), null, 2)}\n`);
    });
  });

program
  .command('regrade')
  .description('信用重新评级：--all 全量重评（与夜间任务相同），--uscc 指定企业；逐步打印进度')
  .option('--all', '全部企业')
  .option('--uscc <uscc...>', '指定企业的统一社会信用代码（可多个）')
  .option('--date <YYYY-MM-DD>', '以该日期评级（默认今天，Asia/Shanghai）')
  .option('--wait <seconds>', '评级租约被占用（如定时清扫进行中）时最多等待的秒数', '120')
  .action(async (opts: { all?: boolean; uscc?: string[]; date?: string; wait: string }) => {
    const { isCalendarDate } = await import('../schemas/common.js');
    if (Boolean(opts.all) === Boolean(opts.uscc?.length)) fail('须且只能指定 --all 或 --uscc 之一');
    const usccs = (opts.uscc ?? []).map((u) => u.trim().toUpperCase());
    const bad = usccs.filter((u) => !/^[0-9A-Z]{18}$/.test(u));
    if (bad.length) fail(`统一社会信用代码格式不正确：${bad.join(', ')}`);
    if (opts.date && !isCalendarDate(opts.date)) fail('--date 须为 YYYY-MM-DD 格式的有效日期');
    await withDb(async () => {
      const { runFullRegrade, runRegradeUsccs } = await import('./modules/grading/index.js');
      const started = Date.now();
      let lastLine = 0;
      const progress = (p: { stage: string; read?: number; enterprises: number; graded: number; changed: number }) => {
        const now = Date.now();
        if (p.stage !== 'done' && now - lastLine < 1000) return;
        lastLine = now;
        const secs = ((now - started) / 1000).toFixed(1);
        const what = p.stage === 'grading' || p.stage === 'done' ? `已评级 ${p.graded}/${p.enterprises}，等级或分数变化 ${p.changed}` : `读取 ${p.stage} ${p.read ?? 0}`;
        process.stderr.write(`[${secs}s] ${what}\n`);
      };
      const options = { trigger: 'cli' as const, today: opts.date, principal: { ...CLI_PRINCIPAL, scope: [], via: 'apiKey' as const }, onProgress: progress, waitMs: Number(opts.wait) * 1000 };
      const r = opts.all ? await runFullRegrade(options) : await runRegradeUsccs(usccs, options);
      if (!r.ran) {
        process.stderr.write(`${r.reason}，请稍后重试\n`);
        process.exit(3);
      }
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });
  });

program
  .command('export')
  .description('导出：export dishonesty-list …')
  .command('dishonesty-list')
  .description('导出严重失信主体名单（内容与 GET /api/v1/exports/dishonesty-list 相同）：--as-of 某日在名单内的主体，或 --since 增量；写入 --out 并保存清单（<out>.manifest.json）')
  .addOption(new Option('--format <format>', '格式').choices(['csv', 'xlsx', 'jsonl']).default('csv'))
  .option('--as-of <YYYY-MM-DD>', '时点名单的日期（默认今天）')
  .option('--since <ISO 8601>', '增量起始时刻')
  .option('--until <ISO 8601>', '增量截止时刻（默认现在）')
  .requiredOption('--out <file>', '输出文件')
  .action(async (opts: { format: string; asOf?: string; since?: string; until?: string; out: string }) => {
    const { exportQuery } = await import('../schemas/dishonesty.js');
    const { value, details } = validateValue<{ format: 'csv' | 'xlsx' | 'jsonl'; asOf?: string; since?: Date; until?: Date }>(exportQuery, {
      format: opts.format,
      asOf: opts.asOf,
      since: opts.since,
      until: opts.until,
    });
    if (!value) fail(details!.map((d) => `${d.path}: ${d.message}`).join('\n'));
    const { resolve } = await import('node:path');
    await withDb(async () => {
      const { exportToFile } = await import('./modules/dishonesty/index.js');
      const manifest = await exportToFile(value, resolve(opts.out), { principal: CLI_PRINCIPAL, origin: 'cli' });
      process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
      process.stderr.write(`已导出 ${manifest.rowCount} 行（${manifest.bytes} 字节，sha256 ${manifest.sha256}）到 ${opts.out}\n`);
    });
  });

program
  .command('recompute-periods')
  .description('迁移：按《民法典》第二百零一条至第二百零三条及发改办财金〔2019〕527号重算已存储的期限（处罚的最早可修复日期和规则版本、名单内案件的列入截止日期），逐条审计；--dry-run 只报告')
  .option('--dry-run', '只统计将要更改的记录，不写入')
  .action(async (opts: { dryRun?: boolean }) => {
    await withDb(async () => {
      const { recomputePenaltyPeriods } = await import('./modules/records/periods.js');
      const { recomputeListingEnds } = await import('./modules/dishonesty/periods.js');
      const principal: Principal = { ...CLI_PRINCIPAL, scope: [], via: 'apiKey' };
      const penalties = await recomputePenaltyPeriods(principal, { dryRun: opts.dryRun });
      const listings = await recomputeListingEnds({ principal }, { dryRun: opts.dryRun });
      process.stdout.write(`${JSON.stringify({ dryRun: Boolean(opts.dryRun), penalties, listings }, null, 2)}\n`);
    });
  });

program
  .command('dishonesty-daily')
  .description('严重失信主体名单日常任务：期满移出、续做未完成的后续处理、写出当日全量和增量导出文件（EXPORT_DIR）')
  .option('--date <YYYY-MM-DD>', '以该日期执行（默认今天，Asia/Shanghai）')
  .action(async (opts: { date?: string }) => {
    const { isCalendarDate } = await import('../schemas/common.js');
    if (opts.date && !isCalendarDate(opts.date)) fail('--date 须为 YYYY-MM-DD 格式的有效日期');
    await withDb(async () => {
      const { runDailyDishonesty } = await import('./modules/dishonesty/index.js');
      process.stdout.write(`${JSON.stringify(await runDailyDishonesty({ exportDir: loadConfig().exportDir, today: opts.date }), null, 2)}\n`);
    });
  });

const calendar = program.command('calendar').description('节假日安排（工作日计算）');
calendar
  .command('load')
  .description('导入某年度国务院办公厅放假安排（JSON 文件：{"holidays": [...], "workdays": [...], "source": "国办发明电〔…〕…号"}），随后重算所有以工作日计算的期限')
  .requiredOption('--year <year>', '年度')
  .requiredOption('--file <path>', '放假安排 JSON 文件')
  .action(async (opts: { year: string; file: string }) => {
    const { readFileSync } = await import('node:fs');
    const { calendarYearParams, scheduleBody } = await import('../schemas/calendar.js');
    const year = validateValue<{ year: number }>(calendarYearParams, { year: opts.year });
    if (!year.value) fail(year.details!.map((d) => `--year: ${d.message}`).join('\n'));
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      fail(`无法读取放假安排文件 ${opts.file}：${(err as Error).message}`);
    }
    const body = validateValue<{ holidays: string[]; workdays: string[]; source: string }>(scheduleBody, raw);
    if (!body.value) fail(body.details!.map((d) => `${d.path}: ${d.message}`).join('\n'));
    const { scheduleProblems } = await import('./modules/calendar/index.js');
    const problems = scheduleProblems(year.value.year, body.value);
    if (problems.length) fail(problems.map((d) => `${d.path}: ${d.message}`).join('\n'));
    await withDb(async () => {
      const { loadSchedule } = await import('./modules/calendar/index.js');
      const result = await loadSchedule(year.value!.year, body.value!, { principal: CLI_PRINCIPAL }, (stage, c, done) =>
        process.stderr.write(`重算 ${stage}：已检查 ${c.scanned}，已更新 ${c.changed}${done ? '（完成）' : ''}\n`),
      );
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.stderr.write(`${year.value!.year} 年放假安排已导入（${body.value!.source}）\n`);
    });
  });
calendar
  .command('show')
  .description('各年度放假安排状态（正式或暂定）；--year 显示某年度的放假日与调休上班日')
  .option('--year <year>', '年度')
  .action(async (opts: { year?: string }) => {
    const { calendarYearParams } = await import('../schemas/calendar.js');
    const year = opts.year === undefined ? undefined : validateValue<{ year: number }>(calendarYearParams, { year: opts.year });
    if (year && !year.value) fail(year.details!.map((d) => `--year: ${d.message}`).join('\n'));
    await withDb(async () => {
      const { getYear, listYears } = await import('./modules/calendar/index.js');
      process.stdout.write(`${JSON.stringify(year ? await getYear(year.value!.year) : await listYears(), null, 2)}\n`);
    });
  });
calendar
  .command('recompute')
  .description('按当前放假安排重算以工作日计算的期限（公示期限、修复办理时限、陈述申辩期、提前移出决定期限），逐步打印进度')
  .option('--from <YYYY-MM-DD>', '重算在此日期及以后到期的期限（默认本年 1 月 1 日）')
  .action(async (opts: { from?: string }) => {
    const { isCalendarDate } = await import('../schemas/common.js');
    if (opts.from && !isCalendarDate(opts.from)) fail('--from 须为 YYYY-MM-DD 格式的有效日期');
    await withDb(async () => {
      const { todayInShanghai } = await import('./lib/calendar.js');
      const { recomputeDeadlines } = await import('./modules/calendar/index.js');
      const from = opts.from ?? `${todayInShanghai().slice(0, 4)}-01-01`;
      const report = await recomputeDeadlines(from, { principal: CLI_PRINCIPAL }, (stage, c, done) =>
        process.stderr.write(`重算 ${stage}：已检查 ${c.scanned}，已更新 ${c.changed}${done ? '（完成）' : ''}\n`),
      );
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    });
  });

const summaries = program.command('summaries').description('统计汇总（报送状态、及时率、信用等级统计），随每次写入更新');
/** The modules that declare summaries (their summaries.ts): loaded before any summaries command. */
const loadSummarised = () => Promise.all([import('./modules/publicity/index.js'), import('./modules/grading/index.js')]);
summaries
  .command('check')
  .description('只读全量比对：各汇总是否等于按当前数据重新统计的结果（先处理待更新的数据）；不一致时退出码 1')
  .action(async () => {
    await withDb(async () => {
      await loadSummarised();
      const { checkTally, sweepTally, tallySpecs } = await import('./db/tally.js');
      const report: Record<string, unknown> = {};
      let differences = 0;
      for (const s of tallySpecs()) {
        await sweepTally(s.name);
        const c = await checkTally(s.name);
        differences += c.differences.length;
        report[s.name] = { documents: c.documents, differences: c.differences.slice(0, 50), differenceCount: c.differences.length };
      }
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (differences) process.exitCode = 1;
    });
  });
summaries
  .command('recount')
  .description('全量重算汇总（夜间任务亦执行），逐步打印进度')
  .action(async () => {
    await withDb(async () => {
      await loadSummarised();
      const { recountAllTallies, sweepAllTallies } = await import('./db/tally.js');
      const recount = await recountAllTallies((name, n) => process.stderr.write(`重算 ${name}：已读 ${n} 条\n`));
      const swept = await sweepAllTallies();
      process.stdout.write(`${JSON.stringify({ recount, swept }, null, 2)}\n`);
    });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
