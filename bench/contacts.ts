// A 100k-contact list through the gateway: ten imports of 10k contacts into one list (the last one
// at 90k existing is the figure with a goal), a re-import of 10k already there, then the latency of
// its first page and of a deep page (cursor at 90 % of it), and of a 10-contact list's
// first page next to it (other lists' size must not matter).
import { encodeCursor } from '../src/graphql/connection';
import { Contact } from '../src/modules/marketing/contact.model';
import { gql, type GatewayProcess } from './gateway';

export const LIST_SIZE = 100_000;
export const IMPORT_ROWS = 10_000;
const PAGE_RUNS = 9;

const IMPORT = `mutation($i: ImportContactsInput!) { importContacts(input: $i) { imported skipped total } }`;
const PAGE = `query($l: ID!, $after: String) { list(id: $l) { id name contacts(first: 50, after: $after) {
  edges { cursor node { id email firstName lastName } } pageInfo { hasNextPage endCursor } } } }`;

export interface ContactsResult {
  /** The list size aimed at and the rows per import (100k and 10k; smaller in a smoke run). */
  target: number;
  rows: number;
  importMs: number[];
  /** The import of 10k at 90k existing (the goal's figure); null when the time budget ran out before. */
  importAt90kMs: number | null;
  /** Contacts on the big list when the pages were measured (100k unless the budget ran out). */
  listSize: number;
  reimportMs: number;
  reimport: { imported: number; skipped: number };
  firstPage: PageLatency;
  deepPage: PageLatency;
  smallList: PageLatency;
}

export interface PageLatency {
  medianMs: number;
  maxMs: number;
  error?: string;
}

function rows(from: number, n: number) {
  return Array.from({ length: n }, (_, k) => ({
    email: `reader${from + k}@bench.example.com`,
    firstName: 'Reader',
    lastName: String(from + k),
  }));
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

/** Median and max of 9 timed runs after a warm one; a failure is reported with its error instead. */
async function latency(fn: () => Promise<void>): Promise<PageLatency> {
  try {
    await fn(); // warm
    const ms: number[] = [];
    for (let i = 0; i < PAGE_RUNS; i++) ms.push((await timed(fn))[1]);
    ms.sort((a, b) => a - b);
    return { medianMs: round1(ms[ms.length >> 1]!), maxMs: round1(ms.at(-1)!) };
  } catch (err) {
    return { medianMs: NaN, maxMs: NaN, error: err instanceof Error ? err.message : String(err) };
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export async function contactsFigures(
  gw: GatewayProcess,
  token: string,
  workspaceId: string,
  log: (l: string) => void,
  budgetMs: number,
  size: { list: number; rows: number } = { list: LIST_SIZE, rows: IMPORT_ROWS },
): Promise<ContactsResult> {
  const [LIST, ROWS] = [size.list, size.rows];
  const started = performance.now();
  const create = async (name: string) =>
    (
      await gql<{ createList: { id: string } }>(
        gw.url,
        'mutation($i: CreateListInput!) { createList(input: $i) { id } }',
        { i: { workspaceId, name } },
        token,
      )
    ).data!.createList.id;
  const big = await create('Bench 100k');
  const small = await create('Bench 10');
  await gql(gw.url, IMPORT, { i: { listId: small, contacts: rows(1_000_000, 10) } }, token);

  const importMs: number[] = [];
  for (let from = 0; from < LIST; from += ROWS) {
    const [r, ms] = await timed(() =>
      gql<{ importContacts: { imported: number } }>(gw.url, IMPORT, { i: { listId: big, contacts: rows(from, ROWS) } }, token),
    );
    if (r.data!.importContacts.imported !== ROWS) throw new Error(`import at ${from}: ${JSON.stringify(r.data)}`);
    importMs.push(Math.round(ms));
    log(`  import of ${ROWS} at ${from} existing: ${Math.round(ms)} ms`);
    if (performance.now() - started > budgetMs && from + ROWS < LIST) {
      log(`  stopping the imports at ${from + ROWS} contacts: over the time budget of ${budgetMs / 1000} s`);
      break;
    }
  }
  const listSize = importMs.length * ROWS;
  const [again, reimportMs] = await timed(() =>
    gql<{ importContacts: { imported: number; skipped: number } }>(
      gw.url,
      IMPORT,
      { i: { listId: big, contacts: rows(listSize - ROWS, ROWS) } },
      token,
    ),
  );
  log(`  re-import of ${ROWS} already on the list: ${Math.round(reimportMs)} ms`);

  // The deep page's cursor: the contact at 90 % of the list (found by its unique (listId, email) key).
  const deep = Math.round(listSize * 0.9);
  const at90k = await Contact.findOne({ listId: big, email: `reader${deep - 1}@bench.example.com` })
    .select({ _id: 1 })
    .lean();
  if (!at90k) throw new Error(`contact ${deep} is missing`);
  const after = encodeCursor(at90k._id);
  const page = (listId: string, cursor: string | null, expectFirst: string) => async () => {
    const r = await gql<{ list: { contacts: { edges: { node: { email: string } }[] } } }>(
      gw.url,
      PAGE,
      { l: listId, after: cursor },
      token,
    );
    const first = r.data!.list.contacts.edges[0]?.node.email;
    if (first !== expectFirst) throw new Error(`page of ${listId} after ${cursor}: starts with ${first}, not ${expectFirst}`);
  };
  const firstPage = await latency(page(big, null, 'reader0@bench.example.com'));
  const deepPage = await latency(page(big, after, `reader${deep}@bench.example.com`));
  const smallList = await latency(page(small, null, 'reader1000000@bench.example.com'));
  return {
    target: LIST,
    rows: ROWS,
    importMs,
    importAt90kMs: listSize === LIST ? importMs.at(-1)! : null,
    listSize,
    reimportMs: Math.round(reimportMs),
    reimport: { imported: again.data!.importContacts.imported, skipped: again.data!.importContacts.skipped },
    firstPage,
    deepPage,
    smallList,
  };
}
