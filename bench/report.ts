// BENCHMARKS.md, written by `npm run bench` from one run's figures.
import type { ConcurrencyResult } from './concurrency';
import type { ContactsResult, PageLatency } from './contacts';
import type { ChecksResult, InProcessResult } from './inprocess';
import type { LoadResult } from './load';
import type { HttpCommands } from './commands-http';
import { DASHBOARD_QUERY } from './load';
import { CREDENTIALS_QUERY } from './inprocess';
import type { Machine } from './machine';
import type { InsightResult } from './insight';

export interface RunReport {
  command: string;
  started: Date;
  seconds: number;
  knobs: Record<string, string | number>;
  machine: Machine;
  loadAverageEnd: number[];
  inProcess?: InProcessResult;
  /** The same with the owner: every password revealed by Postern and decrypted by both (no shield). */
  inProcessOwner?: InProcessResult;
  /** The analyst's again with every read answered from memory (bench/memory.ts): the authorization layers alone. */
  inProcessMemory?: InProcessResult;
  checks?: ChecksResult;
  /** Database commands of one dashboard request (executed in process, warm). */
  dashboardCommands?: { analyst: number; owner: number };
  /** Database commands of one dashboard request over HTTP (a gateway with command monitoring). */
  httpCommands?: Record<string, HttpCommands>;
  analyst?: LoadResult;
  owner?: LoadResult;
  /** The analyst's load on a gateway of one worker. */
  single?: LoadResult;
  contacts?: ContactsResult;
  concurrency?: ConcurrencyResult;
  insight?: InsightResult;
  demo: string;
  /** Phases that failed, with their error. */
  failures: Record<string, string>;
}

const ms = (l: PageLatency) => (l.error ? `failed: ${l.error.replace(/\|/g, '\\|').slice(0, 200)}` : `${l.medianMs} ms (max ${l.maxMs})`);
const yes = (ok: boolean) => (ok ? '✔ met' : '✘ **not met**');
const fmt = (n: number) => n.toLocaleString('en-US');
const round2 = (x: number) => Math.round(x * 100) / 100;

function goalRows(r: RunReport): string[] {
  const rows: string[] = [];
  const row = (measure: string, figure: string, goal: string, ok: boolean | undefined, phase?: string) => {
    const failed = phase ? r.failures[phase] : undefined;
    if (figure === '—' && failed)
      rows.push(`| ${measure} | failed: ${failed.replace(/\|/g, '\\|').slice(0, 200)} | ${goal} | ✘ **not met** |`);
    else rows.push(`| ${measure} | ${figure} | ${goal} | ${ok === undefined ? 'not run' : yes(ok)} |`);
  };
  const a = r.analyst;
  const short = (got: number, goal: number, unit: string, higher = true) =>
    (higher ? got >= goal : got <= goal)
      ? ''
      : ` (${higher ? `${round2(goal - got)} ${unit} short` : `${round2(got - goal)} ${unit} over`})`;
  row(
    `dashboard, analyst (passwords masked), ${a?.connections ?? 200} conns × ${a ? Math.round(a.seconds) : 60} s, ${a?.workers ?? '?'} workers`,
    a
      ? `${a.reqPerSec} req/s${short(a.reqPerSec, 300, 'req/s')}, p50 ${a.p50} ms, p99 ${a.p99} ms${short(a.p99, 1000, 'ms', false)}, ${a.errors} errors; ${a.refused} 503s retried after Retry-After (${a.delayed} requests delayed)`
      : '—',
    '≥ 300 req/s, p99 ≤ 1 s, 0 errors',
    a && a.reqPerSec >= 300 && a.p99 <= 1000 && a.errors === 0,
    'analyst',
  );
  const o = r.owner;
  row(
    `same, owner revealing ${o?.revealed ?? ''} SMTP passwords per request`,
    o
      ? `${o.reqPerSec} req/s${short(o.reqPerSec, 250, 'req/s')}, p50 ${o.p50} ms, p99 ${o.p99} ms, ${o.errors} errors; ${o.refused} 503s retried after Retry-After (${o.delayed} requests delayed)`
      : '—',
    '≥ 250 req/s, 0 errors',
    o && o.reqPerSec >= 250 && o.errors === 0,
    'owner',
  );
  const h = r.httpCommands;
  row(
    'database commands per dashboard request over HTTP (analyst; owner)',
    h
      ? `${h.analyst?.commands} (${h.analyst?.writes} writes)${short(h.analyst?.commands ?? 0, 10, 'commands', false)}; ${h.owner?.commands} (${h.owner?.writes} writes: the reveal's audit event)`
      : '—',
    '≤ 10, none writes',
    h && (h.analyst?.commands ?? 99) <= 10 && h.analyst?.writes === 0,
    'commands',
  );
  const c = r.contacts;
  const target = c?.target ?? 100_000;
  const size = c && c.listSize !== target ? ` (list stopped at ${fmt(c.listSize)}: time budget)` : '';
  const full = c && c.listSize === target;
  const k10 = `${fmt(target / 1000)}k`;
  row(
    `${k10}-contact list, first page (50)${size}`,
    c ? ms(c.firstPage) + (c.firstPage.error ? '' : short(c.firstPage.medianMs, 10, 'ms', false)) : '—',
    '≤ 10 ms',
    c && full && c.firstPage.medianMs <= 10,
    'contacts',
  );
  row(
    `${k10}-contact list, deep page (after 90 %)${size}`,
    c ? ms(c.deepPage) + (c.deepPage.error ? '' : short(c.deepPage.medianMs, 10, 'ms', false)) : '—',
    '≤ 10 ms',
    c && full && c.deepPage.medianMs <= 10,
    'contacts',
  );
  row(
    `import ${fmt(c?.rows ?? 10_000)} contacts into the list at ${fmt(target - (c?.rows ?? 10_000))} existing`,
    c ? (c.importAt90kMs === null ? `not reached${size}` : `${fmt(c.importAt90kMs)} ms${short(c.importAt90kMs, 1000, 'ms', false)}`) : '—',
    '≤ 1 s',
    c && c.importAt90kMs !== null && c.importAt90kMs <= 1000,
    'contacts',
  );
  const k = r.concurrency;
  row(
    '100 concurrent assignRole, distinct members',
    k ? `${k.distinct.ok} ok, ${k.distinct.bindings} bindings, permissionsVersion +${k.distinct.versionDelta}` : '—',
    'all 100, version exactly +100',
    k && k.distinct.ok === 100 && k.distinct.bindings === 100 && k.distinct.versionDelta === 100,
    'concurrency',
  );
  row(
    '100 concurrent copies of one assignRole',
    k ? `${k.same.ok} ok, ${k.same.bindings} binding(s), permissionsVersion +${k.same.versionDelta}` : '—',
    '0 duplicates: 1 binding, version +1',
    k && k.same.ok === 1 && k.same.bindings === 1 && k.same.versionDelta === 1,
    'concurrency',
  );
  const p = r.inProcess;
  const po = r.inProcessOwner;
  row(
    `guarded ÷ bare gateway CPU, ${p?.rows ?? 1000} rows with a secret each: analyst (masked); owner (both decrypt)`,
    p ? `${p.guardedVsBareCpu} (wall ${p.guardedVsBareWall}); ${po ? `${po.guardedVsBareCpu} (wall ${po.guardedVsBareWall})` : '—'}` : '—',
    '≥ 0.95 both',
    p && po && p.guardedVsBareCpu >= 0.95 && po.guardedVsBareCpu >= 0.95,
    'inprocess',
  );
  const pm = r.inProcessMemory;
  row(
    'Postern ÷ graphql-shield, same rules, the data in memory (with the database in the loop)',
    pm
      ? `${pm.posternVsShieldCpu} (wall clock ${pm.posternVsShieldWall})${short(pm.posternVsShieldCpu, 5, '')} (${p?.posternVsShieldCpu ?? '—'})`
      : '—',
    '≥ 5',
    pm && pm.posternVsShieldCpu >= 5,
    'inprocess',
  );
  const ins = r.insight;
  row(
    '`explainAccess`, one person (account facts cached at an unchanged permissionsVersion; read afresh)',
    ins ? `${ins.explain.cached.medianMs} ms; ${ins.explain.reads.medianMs} ms (medians)` : '—',
    '≤ 2 ms',
    ins && ins.explain.cached.medianMs <= 2,
    'insight',
  );
  row(
    `\`whoCan\` over ${fmt(ins?.members ?? 1000)} members (same two measures)`,
    ins ? `${ins.whoCan.cached.medianMs} ms; ${ins.whoCan.reads.medianMs} ms (medians, ${fmt(ins.holders)} holders)` : '—',
    '≤ 50 ms',
    ins && ins.whoCan.cached.medianMs <= 50,
    'insight',
  );
  const ch = r.checks;
  row(
    '`allowed()` checks per second',
    ch ? `${(ch.perSecond / 1e6).toFixed(1)} M (${(ch.perCpuSecond / 1e6).toFixed(1)} M per CPU-s)` : '—',
    '≥ 10 M',
    ch && ch.perSecond >= 10e6,
  );
  return rows;
}

/** What the load figures say holds the dashboard back: where the CPU of a request went, and 1 vs N workers. */
function heldBack(r: RunReport): string[] {
  const out: string[] = [];
  const cores = r.machine.cores;
  for (const l of [r.analyst, r.owner].filter((x): x is LoadResult => !!x)) {
    const c = l.cpuMsPerRequest;
    const ours = c.gateway + (c.database ?? 0) + c.loadGenerator;
    const others = Math.max(0, l.machineCpuPercent - Math.round((ours * l.reqPerSec) / 10));
    out.push(
      `- ${l.label}: each answered request cost ${round2(ours)} ms of CPU (gateway ${c.gateway}, database ${c.database ?? '?'}, load generator ${c.loadGenerator}); ` +
        `${cores} cores give at most ${fmt(Math.round((cores * 1000) / ours))} req/s at that cost. The machine was ${l.machineCpuPercent} % busy of ${cores * 100} %, ` +
        `about ${others} % of it other processes (a shared machine). ` +
        (l.refused
          ? `${fmt(l.refused)} attempts were refused with 503 and Retry-After (queue past the latency budget), delaying ${fmt(l.delayed)} requests by the wait: the gateway keeping the latency of what it admits rather than growing a backlog. `
          : ''),
    );
  }
  if (r.analyst && r.single) {
    out.push(
      `- ${r.analyst.workers} workers ÷ 1 worker, analyst: ${round2(r.analyst.reqPerSec / Math.max(0.1, r.single.reqPerSec))}× the requests per second ` +
        `(${r.analyst.reqPerSec} vs ${r.single.reqPerSec}), p99 ${r.analyst.p99} vs ${r.single.p99} ms.`,
    );
  }
  if (out.length)
    out.unshift(
      "What holds it back (CPU per request from /proc, the gateway's processes, the database's and this one's; where the gateway's share goes: the profile in \"Where the gateway's CPU goes\" below):",
      '',
    );
  return out.length ? [...out, ''] : [];
}

/** The same three with the data in memory: what the authorization layers cost without the database. */
function memorySection(m: InProcessResult): string[] {
  return [
    '',
    '### The same, with the data in memory',
    '',
    'The authorization layers alone: the same operations again, every read answered from memory after its first',
    'execution (bench/memory.ts: keyed by model, filter, projection and options; no driver, BSON or database time),',
    `${m.rounds} rounds of ${m.roundMs / 1000} s.`,
    '',
    '| | operations | ops/s (wall) | gateway CPU ms/op | database commands/op |',
    '|---|---|---|---|---|',
    ...(['postern', 'bare', 'shield'] as const).map(
      (v) => `| ${v} | ${m.ops[v]} | ${m.opsPerSec[v]} | ${m.cpuMsPerOp[v]} | ${m.commandsPerOp[v]} |`,
    ),
    '',
    `Postern ÷ graphql-shield = **${m.posternVsShieldCpu}** (wall clock ${m.posternVsShieldWall}); guarded ÷ bare ${m.guardedVsBareCpu}.`,
    `Over the bare schema: Postern ${round2(m.cpuMsPerOp.postern - m.cpuMsPerOp.bare)} ms, graphql-shield ${round2(m.cpuMsPerOp.shield - m.cpuMsPerOp.bare)} ms per operation.`,
  ];
}

function loadSection(l: LoadResult): string {
  return `| ${l.label} | ${l.workers} | ${fmt(l.requests)} | ${l.reqPerSec} | ${l.p50} | ${l.p99} | ${fmt(l.max)} | ${l.errors} (${l.refused}) | ${l.unanswered} | ${l.recoverySeconds} | ${l.gatewayCpuPercent} % | ${l.machineCpuPercent} % |`;
}

export function renderReport(r: RunReport): string {
  const m = r.machine;
  const p = r.inProcess;
  const c = r.contacts;
  const out: string[] = [];
  out.push(
    '# Benchmarks',
    '',
    '_Written by `npm run bench` (bench/run.ts); do not edit by hand: run it again._',
    '',
    '```sh',
    r.command,
    '```',
    '',
    `Run on ${r.started.toISOString().replace('T', ' ').slice(0, 16)} UTC, ${Math.round(r.seconds)} s.`,
    '',
    '| machine | |',
    '|---|---|',
    `| CPU | ${m.cpuModel}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} |`,
    `| database | ${m.database}, on the same machine |`,
    `| load average at start / end | ${m.loadAverage.join(' ')} / ${r.loadAverageEnd.join(' ')} |`,
    `| knobs | ${Object.entries(r.knobs)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')} |`,
    '',
    '## Goals',
    '',
    '| measure | this run | goal | |',
    '|---|---|---|---|',
    ...goalRows(r),
    '',
  );
  if (r.analyst || r.owner) {
    out.push(
      '## The dashboard under load',
      '',
      `A gateway process (\`node dist/src/main.js\`, logging one line per request at \`info\`) on the database above,`,
      `with the demo data (\`npm start\` seeds it on a first start) grown to ${r.demo}; the load: closed-loop clients in the benchmark's process (bench/client.ts), each sending its next request when the last is answered, and after a 503 the same one again once its Retry-After has passed, as a real client does.`,
      ...(r.dashboardCommands
        ? [
            `Executed in the benchmark process (no HTTP, no plugins), one dashboard sends ${r.dashboardCommands.analyst} database commands as the analyst and ${r.dashboardCommands.owner} as the owner.`,
          ]
        : []),
      ...(r.httpCommands
        ? [
            "Over HTTP (bench/commands-http.ts: a gateway with the driver's command monitoring, the third request of each principal, alone in flight):",
            '',
            '| principal | commands | writes | which |',
            '|---|---|---|---|',
            ...Object.entries(r.httpCommands).map(
              ([who, h]) =>
                `| ${who} | ${h.commands} | ${h.writes} | ${Object.entries(h.byCommand)
                  .map(([c, n]) => (n > 1 ? `${c} ×${n}` : c))
                  .join(', ')} |`,
            ),
            '',
          ]
        : []),
      'Every final answer is compared with the answer given before the load: a different body, an HTTP error, a',
      'timeout (30 s) or a connection error counts as an error.',
      '',
      '```graphql',
      DASHBOARD_QUERY,
      '```',
      '',
      '| principal | workers | requests answered | req/s | p50 ms | p99 ms | max ms | errors (503s retried) | unanswered at the end | s until answering again | gateway CPU | machine CPU |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...[r.analyst, r.owner, r.single].filter((l): l is LoadResult => !!l).map(loadSection),
      '',
      ...[r.analyst, r.owner, r.single]
        .filter((l): l is LoadResult => !!l)
        .map(
          (l) =>
            `- ${l.label}: ${l.passwords} passwords per response, ${l.revealed} in plaintext; errors: ${l.errorDetail}. ` +
            `CPU per answered request: gateway ${l.cpuMsPerRequest.gateway} ms, database ${l.cpuMsPerRequest.database ?? '?'} ms, ` +
            `load generator ${l.cpuMsPerRequest.loadGenerator} ms` +
            (l.capacityEstimate === null
              ? '.'
              : `: on ${m.cores} cores of their own, about ${fmt(l.capacityEstimate)} req/s (an estimate, not the goal's figure).`),
        ),
      '',
      ...heldBack(r),
      '"Unanswered at the end": requests still in flight when the time was up (not counted in req/s or as errors);',
      '"s until answering again": after the load, how long until `{ viewer { user { id } } }` was answered within 1 s (the backlog).',
      '"req/s" and "requests answered" count right answers only; "errors (503s retried)": wrong final answers, and in brackets the 503 refusals at capacity the clients waited out (Retry-After) and retried;',
      "p50/p99/max run from a request's first attempt to its final answer, the waits after refusals included.",
      'CPU is a share of one core (the machine has ' + m.cores + ': ' + m.cores * 100 + ' % is all of it).',
      '',
    );
  }
  if (c) {
    out.push(
      '## A 100k-contact list',
      '',
      'Through the gateway, as the owner: ten `importContacts` of 10,000 new contacts into one list (each',
      'timed; the last one, at 90,000 existing, is the goal figure), a re-import of 10,000 already on the',
      'list, then `list(id) { contacts(first: 50, after) }` timed 9 times each (median, max) for the first',
      'page, a deep page (after 90 % of it) and the first page of a 10-contact list next to it.',
      '',
      `| | time |`,
      `|---|---|`,
      ...c.importMs.map((ms, i) => `| import 10k at ${fmt(i * 10_000)} existing | ${fmt(ms)} |`),
      `| re-import 10k already on the list (${c.reimport.imported} imported, ${fmt(c.reimport.skipped)} skipped) | ${fmt(c.reimportMs)} |`,
      `| first page of the ${fmt(c.listSize)}-contact list | ${ms(c.firstPage)} |`,
      `| deep page of the ${fmt(c.listSize)}-contact list (after 90 %) | ${ms(c.deepPage)} |`,
      `| first page of a 10-contact list | ${ms(c.smallList)} |`,
      '',
    );
  }
  if (r.concurrency) {
    const k = r.concurrency;
    out.push(
      '## Permission changes under concurrency',
      '',
      'Through the gateway, as the owner: 100 parallel `assignRole` (Viewer at the account) of 100 distinct',
      'members, then 100 parallel copies of one `assignRole` for one more member. `permissionsVersion` and the',
      'bindings are read from the database before and after.',
      '',
      '| | succeeded | refused | bindings | permissionsVersion | first refusal |',
      '|---|---|---|---|---|---|',
      `| distinct members | ${k.distinct.ok} | ${k.distinct.failed} | ${k.distinct.bindings} | +${k.distinct.versionDelta} | ${k.distinct.firstError ?? '—'} |`,
      `| one member, 100 copies | ${k.same.ok} | ${k.same.failed} | ${k.same.bindings} | +${k.same.versionDelta} | ${k.same.firstError ?? '—'} |`,
      '',
    );
  }
  if (p) {
    out.push(
      '## What authorization costs, in process',
      '',
      `One query listing ${p.rows} SMTP credentials, each with its \`password\` (\`@sensitive\`, masked as \`${p.masked}\` for`,
      'this principal: an Analyst bound at the account, who holds smtpCredentials:view but not :reveal), executed with',
      "graphql's `execute()` and a real per-request `Context` against three schemas from the same SDL and resolvers:",
      '',
      '- **Postern**: `buildSchema()`, the `@requires`/`@sensitive` directives applied (what the gateway serves);',
      '- **bare**: `buildBareSchema()`, no authorization at all;',
      '- **graphql-shield**: the bare schema with the same rules written with graphql-shield (allow/deny) and',
      '  graphql-middleware (connection narrowing, masking and reveal audit): bench/shield.ts.',
      '',
      '```graphql',
      CREDENTIALS_QUERY.trim(),
      '```',
      '',
      `Operations of the three alternate one by one (rotating the order) in ${p.rounds} rounds of ${p.roundMs / 1000} s after a warm-up.`,
      "CPU is this process only (the gateway's work, not the database's): the figure that holds on a busy machine.",
      '',
      '| | operations | ops/s (wall) | gateway CPU ms/op | database commands/op |',
      '|---|---|---|---|---|',
      ...(['postern', 'bare', 'shield'] as const).map(
        (v) => `| ${v} | ${p.ops[v]} | ${p.opsPerSec[v]} | ${p.cpuMsPerOp[v]} | ${p.commandsPerOp[v]} |`,
      ),
      '',
      `guarded ÷ bare = bare CPU/op ÷ Postern CPU/op = **${p.guardedVsBareCpu}** (wall clock ${p.guardedVsBareWall});`,
      `Postern ÷ graphql-shield = shield CPU/op ÷ Postern CPU/op = **${p.posternVsShieldCpu}** (wall clock ${p.posternVsShieldWall}).`,
      `What authorization adds to the bare schema's ${p.cpuMsPerOp.bare} ms of gateway CPU per operation: Postern ${round2(p.cpuMsPerOp.postern - p.cpuMsPerOp.bare)} ms,`,
      `graphql-shield ${round2(p.cpuMsPerOp.shield - p.cpuMsPerOp.bare)} ms (negative: Postern never decrypts a masked password, the bare schema decrypts all of them).`,
      ...(r.inProcessMemory ? memorySection(r.inProcessMemory) : []),
      '',
    );
  }
  if (r.insight) {
    const i = r.insight;
    const t = (x: { medianMs: number; p90Ms: number; runs: number }) => `${x.medianMs} ms (p90 ${x.p90Ms}, ${fmt(x.runs)} runs)`;
    out.push(
      '## Access insight',
      '',
      `In process, on the database above: one account of ${fmt(i.members)} members with ${fmt(i.bindings)} bindings (Managers at the`,
      'account, Analysts, Viewers with overrides, a custom role with time-bound access grants on the main workspace, some',
      `members in a second workspace, some with none) and ${fmt(i.tokens)} partner tokens (bench/insight.ts). Each figure twice, through`,
      "the access store: with the account's access facts cached at its unchanged permissionsVersion (what the gateway serves between",
      'two access changes; the goal is judged on it), and reading every fact from the store on each call (the first call after a change).',
      '',
      '| | facts cached | facts read on each call |',
      '|---|---|---|',
      `| \`explainAccess\`: a Viewer with an override, lists:edit on the workspace | ${t(i.explain.cached)} | ${t(i.explain.reads)} |`,
      `| \`whoCan(campaigns:view, workspace)\`: ${fmt(i.holders)} holders, each with its path | ${t(i.whoCan.cached)} | ${t(i.whoCan.reads)} |`,
      '',
    );
  }
  if (r.checks) {
    out.push(
      '## `allowed()` on a compiled set',
      '',
      'A Manager bound at the account plus a grant on a workspace, over 1024 campaign documents, each case its own loop.',
      '',
      '| case | checks/s |',
      '|---|---|',
      ...Object.entries(r.checks.byCase).map(([k, v]) => `| ${k} | ${(v / 1e6).toFixed(1)} M |`),
      `| **all three** | **${(r.checks.perSecond / 1e6).toFixed(1)} M** (${(r.checks.perCpuSecond / 1e6).toFixed(1)} M per CPU-s) |`,
      '',
    );
  }
  out.push(
    '## Knobs',
    '',
    '`BENCH_LOAD_SECONDS` (60), `BENCH_CONNECTIONS` (200), `BENCH_ROUNDS` (6), `BENCH_ROUND_MS` (10000),',
    "`BENCH_CHECKS` (20000000 per case), `BENCH_CONTACTS_BUDGET_SECONDS` (600: imports stop past it), `BENCH_WORKERS` (the gateway's workers; the machine's cores), `BENCH_PROFILE_SECONDS` (20: the profiled load), `BENCH_SKIP` (comma-separated: inprocess, checks, dashboard, commands, load (or analyst, owner, single), profile, contacts,",
    'concurrency, lists, insight), `--smoke` (every phase with tiny sizes, report to stdout, exit 1 if a phase failed: `npm test` runs it), `--only <phases>` or `BENCH_ONLY` (the same names: run only these; the report then goes to stdout, or to `BENCH_OUT`), `BENCH_GATEWAY_NODE_ARGS` (e.g. `--cpu-prof --cpu-prof-dir=prof` to profile the gateway',
    "process), `BENCH_OUT` (the report's path; BENCHMARKS.md). `MONGODB_URI` with `POSTERN_SECRET_KEY` runs it on MongoDB.",
    '',
    'One change at a time on a busy machine: `node dist/bench/ab.js <A> <B> [seconds] [turns]` loads two gateways',
    "(another build's `dist/src/main.js`, or `self`; `BENCH_AB_ENV_A/B`, `BENCH_AB_ARGS_A/B` for settings and node",
    "options) with the analyst's dashboard in turn, A B B A …, and prints each turn and the means: compare ratios.",
    '',
  );
  return out.join('\n');
}
