// One request, one id (issue 20): the server's request id, the client's X-Request-Id (kept apart: a
// client can send anything) and the request's trace span, for the whole of a request's async work.
// Every log line gets the ids and the trace id (src/logger.ts), the audit log both request ids
// (src/audit/recorder.ts), and Postern's span events go on the request's span, not on whichever
// middleware span happens to be active (src/observability/trace-events.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { isSpanContextValid, trace, type Span } from '@opentelemetry/api';

export interface RequestIds {
  /** Made by the gateway for every request; what logs, traces and the audit log are joined on. */
  requestId: string;
  /** The client's X-Request-Id, when it sent a well-formed one. */
  clientRequestId?: string;
  /** The request's HTTP server span (tracing on). */
  span?: Span;
}

const store = new AsyncLocalStorage<RequestIds>();

/** Runs `fn` (and everything it starts) as part of the request. */
export function runInRequest<T>(ids: RequestIds, fn: () => T): T {
  return store.run(ids, fn);
}

export function currentRequest(): RequestIds | undefined {
  return store.getStore();
}

/** The HTTP server span of each incoming request, noted by the HTTP instrumentation (src/observability/tracing.ts). */
const serverSpans = new WeakMap<IncomingMessage, Span>();

export function noteServerSpan(req: IncomingMessage, span: Span): void {
  serverSpans.set(req, span);
}

export function serverSpanOf(req: IncomingMessage): Span | undefined {
  return serverSpans.get(req);
}

/** The span Postern's events belong on: the request's, else the active one. */
export function requestSpan(): Span | undefined {
  return store.getStore()?.span ?? trace.getActiveSpan();
}

/** What every log line carries: the request ids and the trace and span ids (fields the line sets itself win). */
export function logFields(line: object): Record<string, string> {
  const out: Record<string, string> = {};
  const ids = store.getStore();
  if (ids) {
    if (!('requestId' in line)) out.requestId = ids.requestId;
    if (ids.clientRequestId && !('clientRequestId' in line)) out.clientRequestId = ids.clientRequestId;
  }
  const span = ids?.span ?? trace.getActiveSpan();
  const ctx = span?.spanContext();
  if (ctx && isSpanContextValid(ctx)) {
    out.traceId = ctx.traceId;
    out.spanId = ctx.spanId;
  }
  return out;
}
