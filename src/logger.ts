// pino logger. Every line written while a request runs carries its request id and trace id (a
// log line finds its trace). Authorization headers, passwords, tokens and secrets are redacted wherever they appear.
import pino, { type Logger } from 'pino';
import { logFields } from './observability/request-context';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.variables',
  'variables',
  'err.variables',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { service: 'postern' },
      // The request id, the client's request id and the trace id on every line logged during a request.
      mixin: (line) => logFields(line),
    },
    destination,
  );
}
