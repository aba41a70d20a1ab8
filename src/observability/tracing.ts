// OpenTelemetry tracing, on when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard OTEL_* variables
// configure the OTLP/HTTP exporter: headers, service name, sampling). Spans for each HTTP request,
// Express's handlers, GraphQL parse/validate/execute and resolvers, and every MongoDB command.
// GraphQL argument values are replaced by "*" in the recorded source and variables are not
// recorded; MongoDB statements carry no values; no headers are recorded: no secret reaches a trace.
// Must start before http, express, graphql and mongodb are loaded: src/main.ts imports it first.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import type { IncomingMessage } from 'node:http';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { noteServerSpan } from './request-context';

/**
 * Spans of the GraphQL instrumentation that say nothing about a request: parsing the query document
 * (and the schema's own parse and validation, which graphql-tools and the plugins repeat). Dropped
 * unless POSTERN_TRACE_GRAPHQL_PARSE=true.
 */
const NOISE = new Set(['graphql.parse', 'graphql.parseSchema', 'graphql.validateSchema']);

/** Passes every span to `inner` except the noise (a parse span has no children, so no trace is broken). */
class WithoutNoise implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}
  onStart(span: Span, parent: Context): void {
    this.inner.onStart(span, parent);
  }
  onEnd(span: ReadableSpan): void {
    if (!NOISE.has(span.name)) this.inner.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface TracingOptions {
  env?: NodeJS.ProcessEnv;
  /** Export here instead of OTLP, span by span (tests use an in-memory exporter). */
  exporter?: SpanExporter;
}

/** Starts the SDK when tracing is configured; returns it (for shutdown) or null. */
export function startTracing(opts: TracingOptions = {}): NodeSDK | null {
  const env = opts.env ?? process.env;
  if (!opts.exporter && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  const processor = opts.exporter ? new SimpleSpanProcessor(opts.exporter) : new BatchSpanProcessor(new OTLPTraceExporter());
  const keepParse = /^(true|1|yes)$/i.test(env.POSTERN_TRACE_GRAPHQL_PARSE ?? '');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'postern',
    spanProcessors: [keepParse ? processor : new WithoutNoise(processor)],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]!),
        // The request's own span: Postern's events and the request id go on it (src/app.ts).
        requestHook: (span, req) => {
          // Incoming requests only (an outgoing ClientRequest has setHeader); node:http itself is not
          // loaded here, before it is instrumented.
          if (!('setHeader' in req)) noteServerSpan(req as IncomingMessage, span);
        },
      }),
      new ExpressInstrumentation(),
      new GraphQLInstrumentation({ allowValues: false, mergeItems: true, ignoreTrivialResolveSpans: true }),
      new MongoDBInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return sdk;
}
