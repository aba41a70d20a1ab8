// A real SMTP server on 127.0.0.1 that keeps every mail the gateway sends (invitations carry their
// token in the body), for tests that follow an invitation the way an invitee would.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  to: string[];
  raw: string;
}

export interface Mailbox {
  mails: Mail[];
  /** SMTP_URL for startTestGateway's env. */
  url: string;
  /** The text of every mail to `address`, quoted-printable decoded (what a reader sees). */
  textsTo(address: string): { text: string }[];
  /** The invitation token of the newest mail to `email`. */
  invitationToken(email: string): Promise<string>;
  close(): Promise<void>;
}

/** `acceptAfterMs`: hold each mail that long before accepting it (a slow mail server). */
export async function startMailbox(opts: { acceptAfterMs?: number } = {}): Promise<Mailbox> {
  const mails: Mail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        setTimeout(() => cb(), opts.acceptAfterMs ?? 0);
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  return {
    mails,
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    textsTo: (address) =>
      mails
        .filter((m) => m.to.includes(address))
        .map((m) => ({
          text: m.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
        })),
    async invitationToken(email: string): Promise<string> {
      for (let i = 0; i < 50; i++) {
        const m = [...mails].reverse().find((x) => x.to.includes(email));
        const tok = m && /^([A-Za-z0-9_-]{43})\r?$/m.exec(m.raw)?.[1];
        if (tok) return tok;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no invitation mail for ${email}`);
    },
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}
