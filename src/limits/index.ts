// The public face of src/limits (README.md): what the other folders of src/ import from it.
export { type LimitedAction, type RateLimitConfig, RateLimits } from './rate-limit';
