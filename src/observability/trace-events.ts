// Postern's own events on the current trace span (no-ops when tracing is off: @opentelemetry/api
// alone, without the SDK, records nothing).
import { trace } from '@opentelemetry/api';

/** Marks the current span with an authorization denial. */
export function traceDenial(permission: string, path: string | undefined): void {
  trace.getActiveSpan()?.addEvent('authz.denied', { 'postern.permission': permission, ...(path ? { 'graphql.path': path } : {}) });
}
