// Postern's own events on the current trace span (no-ops when tracing is off: @opentelemetry/api
// alone, without the SDK, records nothing).
import { requestSpan } from './request-context';

/** Marks the request's span with an authorization denial. */
export function traceDenial(permission: string, path: string | undefined): void {
  requestSpan()?.addEvent('authz.denied', { 'postern.permission': permission, ...(path ? { 'graphql.path': path } : {}) });
}

/** Marks the request's span with a revealed secret (which field of which type: never the value). */
export function traceReveal(type: string, field: string, permission: string): void {
  requestSpan()?.addEvent('secret.revealed', { 'postern.type': type, 'postern.field': field, 'postern.permission': permission });
}
