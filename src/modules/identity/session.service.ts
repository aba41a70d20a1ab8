// Sessions are issued by one gate only: src/modules/identity/gate.service.ts (docs/identity.md
// "Doors and gates"). The names the doors and the SSO adapter import stay here.
export { completeLogin, issueSession, setSessionTtlHours, type AuthResult, type DoorOptions } from './gate.service';
