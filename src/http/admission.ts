// Fair latency under overload: at most `maxConcurrent` GraphQL requests execute at once
// in this process; the others wait in a first-in, first-out queue. A request that would wait and run
// past the latency budget (the queue ahead of it divided by the concurrency, times the recent
// execution time, plus one execution) is refused at once with HTTP 503, `Retry-After` (the time until
// a request would fit the budget again) and SERVICE_UNAVAILABLE, before anything of it runs: under a
// backlog the answered requests keep their latency instead of all of them waiting behind everyone,
// and the refused ones may retry elsewhere or later. A queued request whose client went away is
// dropped without running. While the queue fits the budget nothing is refused: a fixed number of
// clients that the gateway serves within the budget (200 connections at the dashboard's throughput)
// all wait in order, which gives them a shorter tail than refusals they would wait out and retry.
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../errors';

export interface AdmissionOptions {
  maxConcurrent: number;
  latencyBudgetMs: number;
}

/** The execution time assumed before any request finished. */
const INITIAL_SERVICE_MS = 20;
/** Weight of the newest execution time in the moving average. */
const ALPHA = 0.1;

export class Admission {
  private running = 0;
  private readonly queue: { res: Response; start: () => void }[] = [];
  /** Moving average of how long an admitted request takes, from admission to its response's end. */
  private serviceMs = INITIAL_SERVICE_MS;
  /** Refused since start (exposed for the benchmark and tests). */
  refused = 0;

  constructor(private readonly opts: AdmissionOptions) {}

  get executing(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** The wait plus execution a request arriving now should expect, in ms. */
  expectedMs(): number {
    return (Math.floor(this.queue.length / this.opts.maxConcurrent) + 1) * this.serviceMs;
  }

  middleware() {
    return (_req: Request, res: Response, next: NextFunction) => {
      if (this.running < this.opts.maxConcurrent) return this.admit(res, next);
      const expected = (Math.floor((this.queue.length + 1) / this.opts.maxConcurrent) + 1) * this.serviceMs;
      if (expected > this.opts.latencyBudgetMs) return this.refuse(res, expected);
      this.queue.push({ res, start: () => this.admit(res, next) });
    };
  }

  private admit(res: Response, next: NextFunction): void {
    this.running++;
    const started = performance.now();
    res.once('close', () => {
      this.running--;
      this.serviceMs += ALPHA * (performance.now() - started - this.serviceMs);
      this.startNext();
    });
    next();
  }

  private startNext(): void {
    while (this.running < this.opts.maxConcurrent && this.queue.length) {
      const waiting = this.queue.shift()!;
      // The client gave up while it waited: nothing of its request ran, nothing to answer.
      if (waiting.res.destroyed || waiting.res.req.socket?.destroyed) continue;
      waiting.start();
    }
  }

  private refuse(res: Response, expectedMs: number): void {
    this.refused++;
    // Retry when the work ahead has drained enough for a request to fit the budget again (the
    // expected time past the budget), not after the whole expected time: a client that honours it
    // comes back as soon as it can be admitted. Whole seconds (RFC 9110), at least one.
    const seconds = Math.max(1, Math.ceil((expectedMs - this.opts.latencyBudgetMs) / 1000));
    res.setHeader('retry-after', String(seconds));
    res.status(503).json({
      errors: [
        {
          message: `The gateway is at capacity: try again in ${seconds} s`,
          extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
        },
      ],
    });
  }
}
