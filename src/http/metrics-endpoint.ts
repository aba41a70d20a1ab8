// GET /metrics in the Prometheus text format. With METRICS_TOKEN set it needs
// `Authorization: Bearer <that token>` (compared in constant time); without, it is open, for a
// scraper on a private network.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { registry } from '../observability/metrics';
import { bearerToken } from '../identity/principal';
import { ErrorCode } from '../errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsHandler(token: string | undefined) {
  const expected = token ? digest(token) : null;
  return async (req: Request, res: Response): Promise<void> => {
    if (expected) {
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
    res.send(await registry.metrics());
  };
}
