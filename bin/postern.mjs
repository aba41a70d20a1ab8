#!/usr/bin/env node
// `npx postern access export|plan|approve|apply`: access as code from a CI pipeline
// (docs/access-as-code.md). Talks to the gateway's GraphQL API at $POSTERN_URL with
// `Authorization: Bearer $POSTERN_TOKEN` (a partner token, or a person's session token).
// Exit codes: 0 done (plan: no changes), 1 error or refused, 2 plan with changes (like `terraform plan -detailed-exitcode`).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
/* global URL, fetch */

const USAGE = `usage: postern access <export|plan|approve|apply> [options]

  export   [--account ID] [--out FILE]                 write the account's access document (JSON)
  plan     [--account ID] --file FILE [--out PLAN]     show what applying FILE would change; writes the plan (JSON) to PLAN
  approve  [--account ID] --file FILE --plan-hash H    approve a plan (a person's token) so a partner token may apply it
  apply    [--account ID] --file FILE --plan-hash H    apply exactly the plan with hash H

  --account defaults to $POSTERN_ACCOUNT, or the partner token's own account.
  environment: POSTERN_URL (e.g. https://postern.example.com), POSTERN_TOKEN`;

class CliError extends Error {}

function fail(message) {
  throw new CliError(message);
}

async function gql(query, variables) {
  const base = process.env.POSTERN_URL;
  const token = process.env.POSTERN_TOKEN;
  if (!base) fail('POSTERN_URL is not set');
  if (!token) fail('POSTERN_TOKEN is not set');
  const url = new URL('/graphql', base);
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-postern-client': 'postern-cli' },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    fail(`cannot reach ${url.origin}: ${err.cause?.message ?? err.message}`);
  }
  const body = await res.json().catch(() => fail(`${url.origin} answered HTTP ${res.status} without JSON`));
  if (body.errors?.length) {
    const e = body.errors[0];
    fail(`${e.extensions?.code ?? 'ERROR'}: ${e.message}`);
  }
  return body.data;
}

async function accountId(given) {
  if (given) return given;
  if (process.env.POSTERN_ACCOUNT) return process.env.POSTERN_ACCOUNT;
  const data = await gql('{ viewer { accounts { id } } }');
  const accounts = data.viewer?.accounts ?? [];
  if (accounts.length !== 1) fail(`give --account (the token reaches ${accounts.length} accounts)`);
  return accounts[0].id;
}

const PLAN = `query($a: ID!, $d: String!) { planAccess(accountId: $a, document: $d) {
  accountId planHash permissionsVersion refused notes
  steps { index kind summary refusedBy deltas { kind principalId userId scope { type id } gained lost } }
  deltas { kind principalId userId scope { type id } gained lost } } }`;

function printPlan(plan, out) {
  const lines = [];
  if (!plan.steps.length) lines.push('No changes: the account already holds what the document says.');
  for (const s of plan.steps) {
    lines.push(`${s.refusedBy ? '✗' : '•'} ${s.index + 1}. ${s.summary}`);
    if (s.refusedBy) lines.push(`     refused: ${s.refusedBy}`);
    for (const d of s.deltas) {
      const who = `${d.kind === 'TOKEN' ? 'token' : 'user'} ${d.principalId}`;
      if (d.gained.length) lines.push(`     + ${who} gains at ${d.scope.type} ${d.scope.id}: ${d.gained.join(', ')}`);
      if (d.lost.length) lines.push(`     - ${who} loses at ${d.scope.type} ${d.scope.id}: ${d.lost.join(', ')}`);
    }
  }
  for (const n of plan.notes) lines.push(`note: ${n}`);
  lines.push('', `plan hash: ${plan.planHash}`);
  if (plan.refused) lines.push('At least one step would be refused: apply refuses the whole plan.');
  out.write(`${lines.join('\n')}\n`);
}

async function main(argv) {
  const [group, command, ...rest] = argv;
  if (group !== 'access' || !command || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return group === 'access' || group === '--help' || !group ? 0 : 1;
  }
  const { values } = parseArgs({
    args: rest,
    options: { account: { type: 'string' }, file: { type: 'string' }, out: { type: 'string' }, 'plan-hash': { type: 'string' } },
  });
  const account = await accountId(values.account);
  const documentText = () => {
    if (!values.file) fail('--file is required');
    try {
      return readFileSync(values.file, 'utf8');
    } catch (err) {
      return fail(`cannot read ${values.file}: ${err.message}`);
    }
  };
  switch (command) {
    case 'export': {
      const data = await gql('query($a: ID!) { exportAccess(accountId: $a) }', { a: account });
      const text = `${JSON.stringify(data.exportAccess, null, 2)}\n`;
      if (values.out) writeFileSync(values.out, text);
      else process.stdout.write(text);
      return 0;
    }
    case 'plan': {
      const { planAccess: plan } = await gql(PLAN, { a: account, d: documentText() });
      if (values.out) writeFileSync(values.out, `${JSON.stringify(plan, null, 2)}\n`);
      printPlan(plan, process.stdout);
      return plan.refused ? 1 : plan.steps.length ? 2 : 0;
    }
    case 'approve': {
      if (!values['plan-hash']) fail('--plan-hash is required');
      const data = await gql(
        'mutation($a: ID!, $d: String!, $h: String!) { approveAccessPlan(accountId: $a, document: $d, planHash: $h) { planHash expiresAt } }',
        { a: account, d: documentText(), h: values['plan-hash'] },
      );
      process.stdout.write(`approved ${data.approveAccessPlan.planHash} until ${data.approveAccessPlan.expiresAt}\n`);
      return 0;
    }
    case 'apply': {
      if (!values['plan-hash']) fail('--plan-hash is required');
      const data = await gql(
        'mutation($a: ID!, $d: String!, $h: String!) { applyAccess(accountId: $a, document: $d, planHash: $h) { id status steps { summary } } }',
        { a: account, d: documentText(), h: values['plan-hash'] },
      );
      const set = data.applyAccess;
      process.stdout.write(`change set ${set.id}: ${set.status}, ${set.steps.length} step(s)\n`);
      for (const s of set.steps) process.stdout.write(`  • ${s.summary}\n`);
      return set.status === 'APPLIED' ? 0 : 1;
    }
    default:
      fail(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`postern: ${err instanceof CliError ? err.message : err.stack}\n`);
    process.exit(1);
  },
);
