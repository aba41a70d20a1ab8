// The public face of src/observability (README.md): what the other folders of src/ import from it.
// Not here: tracing-start.ts, which src/main.ts imports first and alone (tracing starts on import).
export {
  countDenial,
  dbErrors,
  graphqlDuration,
  graphqlOperations,
  httpDuration,
  httpRequests,
  instrumentDatabaseClient,
  operationLabel,
  registry,
  routeOf,
  secretReveals,
} from './metrics';
export { currentRequest, runInRequest, serverSpanOf } from './request-context';
export { type StartupProgress, startupProgress } from './startup';
export { traceDenial, traceReveal } from './trace-events';
export { clusterMetrics, followWorker, metricsText, shareWorkerMetrics } from './cluster-metrics';
