// The public face of src/http (README.md): what the other folders of src/ import from it.
export { Admission } from './admission';
export { type RequestAuth, requestGate } from './gate';
export { explorerRouter } from './graphiql';
export { maxTokensMiddleware } from './max-tokens';
export { metricsHandler, startMetricsListener } from './metrics-endpoint';
export { type EgressPolicy, assertPublicUrl, egressFetch, egressRefusal, isLoopbackHostname } from './egress';
