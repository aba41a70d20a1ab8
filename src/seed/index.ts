// The public face of src/seed (README.md): what the other folders of src/ import from it.
export { demoLogins, hasDemoOwner, seedDemoIfEmpty } from './demo';
