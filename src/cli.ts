process.env.TZ ??= 'Asia/Shanghai';

import { Command, Option } from 'commander';
import { loadConfig, ConfigError } from './config.js';
import { openDatabase, type Database } from './db/connection.js';
import { startEmbedded } from './db/embedded.js';
import { setLogLevel } from './lib/logger.js';
import { createApiKey, listApiKeys, revokeApiKey, ROLES, type Role } from './modules/auth/index.js';
import { validateValue } from './http/validate.js';
import { createApiKeyBody } from '../schemas/apiKeys.js';
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
  .action(async (opts: { role: Role[]; name: string; uscc?: string; scope?: string[]; expires?: string }) => {
    const { value, details } = validateValue<{ name: string; roles: Role[]; uscc?: string; scope: string[]; expiresAt?: Date }>(createApiKeyBody, {
      name: opts.name,
      roles: opts.role,
      uscc: opts.uscc,
      scope: opts.scope,
      expiresAt: opts.expires,
    });
    if (!value) fail(details!.map((d) => `${d.path}: ${d.message}`).join('\n'));
    await withDb(async () => {
      const { key, apiKey: created } = await createApiKey(value, CLI_PRINCIPAL.id);
      await recordAudit({ action: 'apiKey.create', resource: 'apiKey', resourceId: created.id, principal: CLI_PRINCIPAL, after: created });
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
  .description('批量导入行政许可或行政处罚（CSV / XLSX / JSONL）：与上传接口相同的处理，显示进度，打印汇总和错误报告位置')
  .addOption(new Option('--kind <kind>', '记录种类').choices(['permits', 'penalties']).makeOptionMandatory())
  .addOption(new Option('--format <format>', '文件格式（默认按扩展名）').choices(['csv', 'xlsx', 'jsonl']))
  .option('--errors-out <path>', '错误报告 CSV 的保存位置（默认当前目录 import-<id>-errors.csv）')
  .action(async (file: string, opts: { kind: 'permits' | 'penalties'; format?: 'csv' | 'xlsx' | 'jsonl'; errorsOut?: string }) => {
    const { existsSync, createWriteStream } = await import('node:fs');
    const { SingleBar, Presets } = await import('cli-progress');
    const { importFile, formatOfFileName, presentImport, writeErrorReport } = await import('./modules/imports/index.js');
    const format = opts.format ?? formatOfFileName(file);
    if (!format) fail('无法从扩展名判断文件格式，请用 --format csv|xlsx|jsonl 指定');
    if (!existsSync(file)) fail(`文件不存在：${file}`);
    const principal: Principal = { ...CLI_PRINCIPAL, scope: [], via: 'apiKey' };
    await withDb(async () => {
      const bar = new SingleBar({ format: '导入 [{bar}] {percentage}% | {value}/{total} 行 | 新建 {created} 未变化 {unchanged} 失败 {failed}', hideCursor: true }, Presets.shades_classic);
      let started = false;
      const doc = await importFile(file, opts.kind === 'permits' ? 'permit' : 'penalty', format, principal, (p) => {
        const payload = { created: p.created, unchanged: p.unchanged, failed: p.failed };
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
          ? `导入完成：共 ${doc.rowsRead} 行，新建 ${doc.created}，未变化 ${doc.unchanged}，失败 ${doc.failed}。${errorReport ? `错误报告：${errorReport}（也可通过 GET ${out.errorsUrl} 下载）` : ''}\n`
          : `导入失败：${doc.error ?? ''}${errorReport ? `。错误报告：${errorReport}` : ''}\n`,
      );
      if (doc.status !== 'done') process.exitCode = 1;
    });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
