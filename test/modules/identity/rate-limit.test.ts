// Brute force: failed logins per (email, client IP) and per IP, anonymous actions per
// IP and a per-principal request budget, counted in the database and refused with HTTP 429.
import { errorCode, startTestGateway, STRONG_PASSWORD, uniqueEmail, type GqlResponse, type TestGateway } from '../../helpers/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    env: {
      RATE_LIMIT_LOGIN_FAILURES: '20',
      RATE_LIMIT_LOGIN_FAILURES_PER_IP: '30',
      RATE_LIMIT_LOCKOUT_MINUTES: '15',
      RATE_LIMIT_ACTIONS_PER_IP_HOUR: '3',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '40',
    },
  });
});
afterAll(() => gw.stop());

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`;
const WRONG = 'Wrong-Guess-0042!';

/** A request as if from `ip` (the test client is on loopback, a trusted proxy by default). */
const from = (ip: string) => ({ 'x-forwarded-for': ip });
let nextHost = 1;
/** Owners for the tests, each signed up from an address of its own (signUp is limited per IP here). */
const newOwner = () => gw.signUp({}, from(`198.18.0.${nextHost++}`));

async function login(email: string, password: string, ip: string): Promise<GqlResponse & { retryAfter: string | null }> {
  const res = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...from(ip) },
    body: JSON.stringify({ query: LOGIN, variables: { input: { email, password } } }),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text, retryAfter: res.headers.get('retry-after') };
}

describe('failed logins', () => {
  it('locks out an (email, IP) pair at the 21st wrong password, refuses the right one during the lockout, and audits it', async () => {
    const owner = await newOwner();
    const other = await newOwner();
    const ip = '203.0.113.7';
    for (let i = 1; i <= 20; i++) {
      const r = await login(owner.email, WRONG, ip);
      expect([i, r.status, errorCode(r)]).toEqual([i, 401, 'UNAUTHENTICATED']);
    }
    const locked = await login(owner.email, WRONG, ip);
    expect(locked.status).toBe(429);
    expect(errorCode(locked)).toBe('RATE_LIMITED');
    expect(Number(locked.retryAfter)).toBeGreaterThan(0);
    expect(Number(locked.retryAfter)).toBeLessThanOrEqual(15 * 60);
    expect(locked.body.errors![0]!.extensions!.retryAfter).toBe(Number(locked.retryAfter));

    const right = await login(owner.email, owner.password, ip);
    expect(right.status).toBe(429);
    expect(errorCode(right)).toBe('RATE_LIMITED');
    expect(right.body.data ?? null).toBeNull();

    // Another address for the same email, and another email from the same address, sign in.
    const elsewhere = await login(owner.email, owner.password, '198.51.100.4');
    expect(elsewhere.body.errors).toBeUndefined();
    expect(elsewhere.body.data!.login.token).toEqual(expect.any(String));
    const neighbour = await login(other.email, other.password, ip);
    expect(neighbour.body.errors).toBeUndefined();

    const audit = await gw.gql(
      `query($id: ID!) { account(id: $id) { auditLog(first: 100) { edges { node { action ip target { id } meta } } } } }`,
      { id: owner.accountId },
      owner.token,
    );
    const events = audit.body.data!.account.auditLog.edges.map((e: any) => e.node);
    const failed = events.filter((e: any) => e.action === 'auth.loginFailed');
    expect(failed).toHaveLength(21);
    expect(failed.every((e: any) => e.ip === ip && e.target.id === owner.userId)).toBe(true);
    const lockouts = events.filter((e: any) => e.action === 'auth.lockedOut');
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0].meta).toEqual({ minutes: 15 });
    // The other account hears nothing of the owner's failures; nobody sees the password tried.
    const otherAudit = await gw.gql(
      `query($id: ID!) { account(id: $id) { auditLog(first: 100) { edges { node { action } } } } }`,
      { id: other.accountId },
      other.token,
    );
    expect(otherAudit.text).not.toContain('auth.loginFailed');
    expect(audit.text).not.toContain(WRONG);
    expect(gw.logs.join('')).not.toContain(WRONG);
  });

  it('refuses unknown emails past the per-IP limit too, without telling them apart', async () => {
    const ip = '192.0.2.50';
    let last: GqlResponse | undefined;
    for (let i = 0; i < 31; i++) last = await login(uniqueEmail('ghost'), WRONG, ip);
    expect(last!.status).toBe(429);
    const known = await newOwner();
    const blocked = await login(known.email, known.password, ip);
    expect(errorCode(blocked)).toBe('RATE_LIMITED');
  });
});

describe('anonymous actions per IP', () => {
  it('refuses the 4th signUp from one address with 429 and lets another address sign up', async () => {
    const ip = '203.0.113.99';
    const signUp = () =>
      gw.gql(
        SIGN_UP,
        { input: { email: uniqueEmail('burst'), password: STRONG_PASSWORD, name: 'B', accountName: 'B' } },
        undefined,
        from(ip),
      );
    for (let i = 0; i < 3; i++) expect((await signUp()).body.errors).toBeUndefined();
    const refused = await signUp();
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe('RATE_LIMITED');
    const elsewhere = await gw.gql(
      SIGN_UP,
      { input: { email: uniqueEmail('calm'), password: STRONG_PASSWORD, name: 'C', accountName: 'C' } },
      undefined,
      from('203.0.113.100'),
    );
    expect(elsewhere.body.errors).toBeUndefined();
  });
});

describe('request budget per principal', () => {
  it('refuses the 41st request of a minute for one session and not for another', async () => {
    const a = await newOwner();
    const b = await newOwner();
    const VIEWER = `{ viewer { user { id } } }`;
    for (let i = 0; i < 40; i++) expect((await gw.gql(VIEWER, {}, a.token)).status).toBe(200);
    const over = await gw.gql(VIEWER, {}, a.token);
    expect(over.status).toBe(429);
    expect(errorCode(over)).toBe('RATE_LIMITED');
    expect((await gw.gql(VIEWER, {}, b.token)).body.data!.viewer.user.id).toBe(b.userId);
  });
});
