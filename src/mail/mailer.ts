// Outgoing mail through nodemailer. With no SMTP_URL configured, messages are accepted and recorded
// by the caller but not delivered (status RECORDED), and kept in the in-memory outbox (local trials, tests).
import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingMail {
  from: string;
  to: string | string[];
  subject: string;
  text?: string | null;
  html?: string | null;
}

export interface SendResult {
  delivered: boolean;
  messageId: string | null;
  error?: string;
}

export interface Mailer {
  readonly configured: boolean;
  send(mail: OutgoingMail): Promise<SendResult>;
  /**
   * Without SMTP_URL: the last OUTBOX_SIZE messages, newest last, kept in this process's memory only
   * (never in the database or the log: they may carry one-time links). Empty with SMTP configured.
   */
  readonly outbox: readonly OutgoingMail[];
}

export const OUTBOX_SIZE = 200;

export function createMailer(smtpUrl: string | undefined): Mailer {
  if (!smtpUrl) {
    const outbox: OutgoingMail[] = [];
    return {
      configured: false,
      outbox,
      send: async (mail) => {
        outbox.push({ ...mail });
        if (outbox.length > OUTBOX_SIZE) outbox.splice(0, outbox.length - OUTBOX_SIZE);
        return { delivered: false, messageId: null };
      },
    };
  }
  const transport: Transporter = nodemailer.createTransport(smtpUrl);
  return {
    configured: true,
    outbox: [],
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text ?? undefined,
          html: mail.html ?? undefined,
        });
        return { delivered: true, messageId: info.messageId ?? null };
      } catch (err) {
        // The transport's message may echo credentials from the URL: keep only its code.
        const code = (err as { code?: string }).code ?? 'SEND_FAILED';
        return { delivered: false, messageId: null, error: code };
      }
    },
  };
}
