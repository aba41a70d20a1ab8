// Server-side request forgery, tried as an attacker would: an account admin points a URL the gateway
// fetches — SAML metadata, an OIDC issuer, an audit sink — at the gateway's own network (loopback, a
// private range, the cloud metadata address). Each is refused with a clear error and nothing is fetched;
// a receiver listening on this machine sees no request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestGateway, type TestGateway, type TestOwner } from '../helpers/gateway';
import { onPlan } from '../helpers/billing';
import { AuditSink } from '../../src/audit/sink-model';
import { secretBox } from '../../src/crypto/secrets';
import { egressFetch, egressRefusal, isAllowedAddress } from '../../src/http/egress';

const PUBLIC = { allowLoopback: false };
const DEV = { allowLoopback: true };

describe('which addresses count as public', () => {
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])('%s is public', (address) => {
    expect(isAllowedAddress(address, PUBLIC)).toBe(true);
  });
  it.each([
    '127.0.0.1',
    '127.5.6.7',
    '10.0.0.1',
    '172.16.3.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '[::1]',
    'not-an-address',
  ])('%s is refused', (address) => {
    expect(isAllowedAddress(address, PUBLIC)).toBe(false);
  });
  it('the development setting lets loopback through, and nothing else private', () => {
    expect(isAllowedAddress('127.0.0.1', DEV)).toBe(true);
    expect(isAllowedAddress('::1', DEV)).toBe(true);
    for (const a of ['10.0.0.1', '169.254.169.254', '192.168.0.1', 'fd00::1']) expect(isAllowedAddress(a, DEV)).toBe(false);
  });
});

describe('egressFetch', () => {
  let server: http.Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.end('secret internal answer');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses an address written in the URL and a name that resolves to it, before connecting', async () => {
    for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`]) {
      const failure = await egressFetch(PUBLIC)(url).then(
        () => null,
        (err: unknown) => err,
      );
      expect(egressRefusal(failure)?.message).toMatch(/is not a public internet address/);
    }
    expect(hits).toBe(0);
  });

  it('connects to loopback under the development setting', async () => {
    const res = await egressFetch(DEV)(`http://localhost:${port}/`);
    expect(await res.text()).toBe('secret internal answer');
    expect(hits).toBe(1);
  });
});

describe('through the gateway', () => {
  let gw: TestGateway;
  let owner: TestOwner;
  let receiver: http.Server;
  let receiverPort = 0;
  let received = 0;

  beforeAll(async () => {
    receiver = http.createServer((_req, res) => {
      received++;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverPort = (receiver.address() as AddressInfo).port;
    gw = await startTestGateway();
    owner = await gw.signUp();
    await onPlan(gw, owner, 'ENTERPRISE');
  });
  afterAll(async () => {
    await gw?.stop();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const IMPORT = `mutation($input: ImportSamlMetadataInput!) { importSamlMetadata(input: $input) { samlEntityId } }`;
  const CONFIGURE = `mutation($input: ConfigureSsoInput!) { configureSso(input: $input) { id } }`;
  const SINK = `mutation($input: CreateAuditSinkInput!) { createAuditSink(input: $input) { id } }`;

  it.each([
    ['the cloud metadata address', 'https://169.254.169.254/saml/metadata'],
    ['a private network', 'https://10.0.0.7/saml/metadata'],
    ['this machine, by name', 'https://localhost:8443/saml/metadata'],
    ['this machine, IPv4-mapped', 'https://[::ffff:127.0.0.1]/saml/metadata'],
  ])('refuses SAML metadata from %s', async (_what, metadataUrl) => {
    const r = await gw.gql(IMPORT, { input: { accountId: owner.accountId, metadataUrl } }, owner.token);
    expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metadataUrl' });
    expect(r.body.errors![0]!.message).toMatch(/is not on the public internet/);
  });

  it('refuses an OIDC issuer inside the network', async () => {
    for (const issuer of ['https://169.254.169.254/', 'https://127.0.0.1:9443/', 'https://[fe80::1]/']) {
      const r = await gw.gql(CONFIGURE, { input: { accountId: owner.accountId, issuer, clientId: 'x' } }, owner.token);
      expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'issuer' });
      expect(r.body.errors![0]!.message).toMatch(/is not on the public internet/);
    }
  });

  it('refuses an audit sink inside the network; one already stored there is never connected to', async () => {
    for (const url of ['https://169.254.169.254/hook', 'https://[fd00::5]/hook', `https://localhost:${receiverPort}/hook`]) {
      const r = await gw.gql(SINK, { input: { accountId: owner.accountId, url } }, owner.token);
      expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
      expect(r.body.errors![0]!.message).toMatch(/is not on the public internet/);
    }
    // A sink stored before (made under the development setting, or a name that resolves elsewhere now).
    const sink = await AuditSink.create({
      accountId: owner.accountId,
      createdBy: owner.userId,
      url: `http://127.0.0.1:${receiverPort}/hook`,
      secretEnc: secretBox().seal('x'.repeat(32)),
    });
    await gw.server.scheduler.auditSinks.tick();
    const after = await AuditSink.findById(sink._id).lean();
    expect(after?.lastError).toMatch(/127\.0\.0\.1 is not a public internet address/);
    expect(received).toBe(0);
  });
});
