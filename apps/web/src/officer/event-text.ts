/** Audit-log events in words: a name for each type and one sentence for each event. */
import type { SecurityEvent } from './types.ts';

export const EVENT_TYPE_NAMES: Record<SecurityEvent['type'], string> = {
  'access-denied': 'Access denied',
  'label-change': 'Label changed',
  'clearance-grant': 'Clearance granted',
  'clearance-revoke': 'Clearance revoked',
  approval: 'Two-person approval',
  export: 'Export',
  'removal-required': 'Devices to remove',
  'removal-completed': 'Devices removed',
  send: 'Message sent',
  deliver: 'Delivered',
  read: 'Read',
  'device-enrol': 'Device enrolled',
  'device-revoke': 'Device revoked',
  'membership-change': 'Membership changed',
  'custody-handover': 'Pouch handed over',
  alert: 'Alert',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** "conversation:ID" → "conversation 3fA9…", "person:HANDLE" → the person's name. */
export function targetText(target: string | null, nameOf: (handle: string) => string): string {
  if (!target) return '';
  const [kind, ...rest] = target.split(':');
  const id = rest.join(':');
  switch (kind) {
    case 'person':
      return nameOf(id);
    case 'conversation':
      return `conversation ${id.slice(0, 10)}…`;
    case 'device':
      return `device ${id}`;
    case 'grant':
      return `clearance grant ${id}`;
    case 'approval':
      return `approval ${id}`;
    case 'pouch':
      return `pouch ${id}`;
    case 'alert':
      return `alert ${id}`;
    default:
      return target;
  }
}

/** One sentence saying who did what to what. */
export function eventSentence(e: SecurityEvent, nameOf: (handle: string) => string): string {
  const who = e.actor.person ? nameOf(e.actor.person) : 'The server';
  const what = targetText(e.target, nameOf);
  const d = e.details;
  switch (e.type) {
    case 'access-denied':
      return `${who} was refused “${str(d.action) ?? 'an action'}”${what ? ` on ${what}` : ''} (${e.code ?? 'no code'}).`;
    case 'label-change':
      return `${who} changed the label of ${what || 'a conversation'} from ${str(d.from) ?? '?'} to ${str(d.to) ?? '?'}${
        str(d.action) === 'requested' ? ' (asked; waiting for a second officer)' : ''
      }.`;
    case 'clearance-grant':
      return `${who} granted a clearance${str(d.level) ? ` of ${d.level}` : ''} to ${what || 'someone'}.`;
    case 'clearance-revoke':
      return `${who} revoked ${str(d.level) ? `the ${d.level} clearance` : 'a clearance'}${what ? ` (${what})` : ''}.`;
    case 'approval':
      return `${who} ${str(d.action) ?? 'decided'} the downgrade from ${str(d.from) ?? '?'} to ${str(d.to) ?? '?'} asked by ${
        str(d.requestedBy) ? nameOf(d.requestedBy as string) : 'another officer'
      }.`;
    case 'device-enrol':
      return `A device was enrolled for ${str(d.person) ? nameOf(d.person as string) : 'someone'}${what ? ` (${what})` : ''}.`;
    case 'device-revoke':
      return `${who} revoked ${what || 'a device'}${str(d.person) ? ` of ${nameOf(d.person as string)}` : ''}.`;
    case 'alert':
      if (e.code === 'ALERT_ACKNOWLEDGED') return `${who} acknowledged ${what || 'an alert'}.`;
      return `Alert ${e.code ?? ''}${what ? ` about ${what}` : ''}${e.actor.person ? `, reported by ${who}` : ''}.`;
    default:
      return `${EVENT_TYPE_NAMES[e.type] ?? e.type}${e.actor.person ? ` by ${who}` : ''}${what ? ` — ${what}` : ''}.`;
  }
}
