// Imported first by src/main.ts: starts tracing before anything it instruments is loaded. The
// OpenTelemetry SDK is loaded only when tracing is configured (it takes seconds to load).
import type { NodeSDK } from '@opentelemetry/sdk-node';

export const tracing: NodeSDK | null = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
  ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, before the instrumented modules
    (require('./tracing') as typeof import('./tracing')).startTracing()
  : null;
