// The public face of src/mail (README.md): what the other folders of src/ import from it.
export { cleanEmail, cleanHostname, cleanLocalPart, domainOf, isEmailAddress } from './address';
export { type Mailer, createMailer } from './mailer';
