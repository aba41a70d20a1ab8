// GET /metrics in the Prometheus text format, never public by default. With METRICS_TOKEN set it is
// served on the API's port and needs `Authorization: Bearer <that token>` (compared in constant time);
// without, the API's port answers 404 and the metrics are served on a port of their own
// (METRICS_HOST:METRICS_PORT, 127.0.0.1:9464 by default), for a scraper beside the gateway. Under
// node:cluster both answer the sum over the workers (src/observability/cluster-metrics.ts): the
// metrics port is the primary's, and a worker asks the primary for the sum.
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { registry, metricsText } from '../observability';
import { bearerToken } from '../identity';
import { ErrorCode } from '../errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsHandler(token: string | undefined) {
  const expected = token ? digest(token) : null;
  return async (req: Request, res: Response): Promise<void> => {
    if (!expected) {
      res.status(404).json({
        errors: [
          {
            message: 'Metrics are served on their own port (METRICS_HOST:METRICS_PORT), or here with METRICS_TOKEN set',
            extensions: { code: ErrorCode.NOT_FOUND },
          },
        ],
      });
      return;
    }
    {
      const sent = bearerToken(req.get('authorization'));
      if (!sent || !timingSafeEqual(digest(sent), expected)) {
        res.setHeader('www-authenticate', 'Bearer realm="metrics"');
        res.status(401).json({
          errors: [
            { message: 'Send the metrics token as "Authorization: Bearer <token>"', extensions: { code: ErrorCode.UNAUTHENTICATED } },
          ],
        });
        return;
      }
    }
    res.setHeader('content-type', registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.send(await metricsText());
  };
}

/**
 * The metrics port: GET /metrics and nothing else. A port already taken is logged, not fatal (the API
 * still serves; another replica on this host has the metrics port).
 */
export async function startMetricsListener(
  host: string,
  port: number,
  log: Logger,
  /** What is served: this process's registry; in a cluster's primary, the workers' sum. */
  text: () => Promise<string> = () => registry.metrics(),
): Promise<{ url: string; close(): Promise<void> } | null> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here\n');
      return;
    }
    text().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
      (err: unknown) => {
        log.error({ err }, 'metrics could not be gathered');
        res.writeHead(500).end();
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (err) {
    log.warn({ err, host, port }, 'metrics port unavailable: /metrics is not served by this process');
    return null;
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}/metrics`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
