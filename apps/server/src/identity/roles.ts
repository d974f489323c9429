import type { Role } from '@valise/protocol';
import { serverError } from '../errors.ts';
import type { Actor } from './authentication.ts';

/** FORBIDDEN unless the actor holds one of the roles. */
export function requireRole(actor: Actor, ...roles: Role[]): void {
  if (!roles.some((r) => actor.person.roles.includes(r))) {
    throw serverError('FORBIDDEN', `this needs the role ${roles.join(' or ')}`);
  }
}
