// The public face of src/identity (README.md): what the other folders of src/ import from it.
export { AccountGateError, type AccountGateReason, PeopleOnlyError, accountRefusal } from './gate';
export { API_TOKEN_PREFIX, type Authentication, type Principal, authenticate, bearerToken, registerCredentialLookup } from './principal';
