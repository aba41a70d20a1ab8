// The public face of src/audit (README.md): what the other folders of src/ import from it.
export { auditExportHandler } from './export';
export { type AuditInput, AuditRecorder } from './recorder';
export { revealAuditPlugin } from './reveal-plugin';
export { placeAuditEvents } from './pages';
export { auditEventVisibility } from './resolvers';
export { type SinkDelivery, configureAuditSinks, startSinkDelivery } from './sinks';
