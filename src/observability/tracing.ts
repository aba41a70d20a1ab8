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
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'postern',
    spanProcessors: [opts.exporter ? new SimpleSpanProcessor(opts.exporter) : new BatchSpanProcessor(new OTLPTraceExporter())],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]!),
      }),
      new ExpressInstrumentation(),
      new GraphQLInstrumentation({ allowValues: false, mergeItems: true, ignoreTrivialResolveSpans: true }),
      new MongoDBInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return sdk;
}
