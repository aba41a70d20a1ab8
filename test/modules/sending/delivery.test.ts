// sendEmail with an SMTP relay configured (a minimal SMTP server in this process): DELIVERED when the
// relay accepts, FAILED when it refuses; one log either way.
import net from 'node:net';
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { createDomain, ok, rawCount, uniqueDomain, verify } from './helpers';

interface FakeSmtp {
  port: number;
  messages: { rcpt: string[]; data: string }[];
  close(): Promise<void>;
}

/** Accepts every message except those to addresses starting with "reject", answered 550. */
function fakeSmtp(): Promise<FakeSmtp> {
  const messages: FakeSmtp['messages'] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.write('220 fake.test ESMTP\r\n');
    let buf = '';
    let inData = false;
    let data = '';
    let rcpt: string[] = [];
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push({ rcpt, data });
            data = '';
            rcpt = [];
            sock.write('250 2.0.0 Ok: queued as FAKE123\r\n');
          } else data += `${line}\n`;
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') sock.write('250-fake.test\r\n250 8BITMIME\r\n');
        else if (cmd === 'RCPT') {
          const addr = /<([^>]*)>/.exec(line)?.[1] ?? '';
          if (addr.startsWith('reject')) sock.write('550 5.1.1 No such user\r\n');
          else {
            rcpt.push(addr);
            sock.write('250 2.1.5 Ok\r\n');
          }
        } else if (cmd === 'DATA') {
          inData = true;
          sock.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (cmd === 'QUIT') {
          sock.write('221 Bye\r\n');
          sock.end();
        } else sock.write('250 Ok\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        messages,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

let smtp: FakeSmtp;
let gw: TestGateway;
let owner: TestOwner;
let domainId: string;
let domainName: string;

beforeAll(async () => {
  smtp = await fakeSmtp();
  gw = await startTestGateway({ env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}/?ignoreTLS=true` } });
  owner = await gw.signUp();
  domainName = uniqueDomain('relay');
  domainId = await createDomain(gw, owner, domainName);
  await verify(gw, owner, domainId);
});
afterAll(async () => {
  await gw.stop();
  await smtp.close();
});

const SEND = `mutation($input: SendEmailInput!) { sendEmail(input: $input) { id status messageId error } }`;

describe('sendEmail through an SMTP relay', () => {
  it('hands the mail to the relay and logs it DELIVERED with the relay message id', async () => {
    const r = ok(
      await gw.gql(
        SEND,
        { input: { domainId, from: `news@${domainName}`, to: 'reader@example.org', subject: 'Relayed', text: 'Body via relay' } },
        owner.token,
      ),
    ).sendEmail;
    expect(r.status).toBe('DELIVERED');
    expect(r.messageId).toMatch(/@/);
    expect(r.error).toBeNull();
    // The relay also carried the owner's verification mail from signUp.
    const relayed = smtp.messages.filter((m) => !m.rcpt.includes(owner.email));
    expect(relayed).toHaveLength(1);
    expect(relayed[0]!.rcpt).toEqual(['reader@example.org']);
    expect(relayed[0]!.data).toContain('Subject: Relayed');
    expect(relayed[0]!.data).toContain('Body via relay');
    expect(await rawCount('EmailLog', { _id: r.id, status: 'DELIVERED' })).toBe(1);
  });

  it('logs FAILED with an error code when the relay refuses the recipient', async () => {
    const before = smtp.messages.length;
    const r = ok(
      await gw.gql(
        SEND,
        { input: { domainId, from: `news@${domainName}`, to: 'reject-me@example.org', subject: 'Nope', text: 'x' } },
        owner.token,
      ),
    ).sendEmail;
    expect(r.status).toBe('FAILED');
    expect(r.messageId).toBeNull();
    expect(r.error).toEqual(expect.any(String));
    expect(smtp.messages).toHaveLength(before);
    expect(await rawCount('EmailLog', { _id: r.id, status: 'FAILED' })).toBe(1);
  });
});
