// The public face of src/sso (README.md): what the other folders of src/ import from it.
export { ssoRouter } from './router';
export { setAllowHttpIdp } from './idp-url';
export { SsoAttempt, SsoLinkClaim, SsoPendingChange } from './sso.model';
