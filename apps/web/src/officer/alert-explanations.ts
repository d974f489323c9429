/**
 * Alerts in plain language: for each code the system raises, what happened and what a security
 * officer should do about it. Unknown codes still get the event's own message and a safe default.
 */
import type { SecurityEvent } from './types.ts';

export interface AlertExplanation {
  title: string;
  /** What happened, in a sentence or two. */
  what: string;
  /** What to do next. */
  todo: string;
  /** The person concerned, when there is one (for linking to their devices). */
  person?: string;
  /** The device concerned, when there is one. */
  device?: string;
}

export interface AlertNames {
  person(handle: string): string;
  unit(handle: string): string;
  device(id: string): string | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export function explainAlert(event: SecurityEvent, names: AlertNames): AlertExplanation {
  const d = event.details;
  switch (event.code) {
    case 'KT_UNKNOWN_DEVICE': {
      const person = str(d.person) ?? event.actor.person ?? 'this person';
      const who = names.person(person);
      const deviceId = str(d.deviceId) ?? event.target?.replace(/^device:/, '');
      const deviceName = deviceId ? names.device(deviceId) : undefined;
      const reporter = event.actor.device ? names.device(event.actor.device) : undefined;
      return {
        title: `A device of ${who} was enrolled that ${who}’s own device does not know`,
        what: `${deviceName ? `The device “${deviceName}”` : 'A device'} was enrolled for ${who} (audit log entry ${String(d.index ?? '?')}), and ${who}’s device${reporter ? ` “${reporter}”` : ''} reports that it did not enrol it. Someone may have obtained an enrolment code for ${who}, or the server may have added a key to intercept their messages.`,
        todo: `Check with ${who} in person or by telephone, not through Valise. If ${who} did not enrol it, revoke it now; if they did, they can trust it on their own device. Then acknowledge this alert with what you found.`,
        person,
        ...(deviceId ? { device: deviceId } : {}),
      };
    }
    case 'POUCH_MISSING': {
      const seal = str(d.sealNumber) ?? event.target ?? 'a pouch';
      const from = str(d.senderUnit) ? names.unit(d.senderUnit as string) : 'its sender';
      const to = str(d.consigneeUnit) ? names.unit(d.consigneeUnit as string) : 'its consignee';
      const holder = str(d.holder) ? names.person(d.holder as string) : 'its last holder';
      const due = str(d.expectedBy);
      return {
        title: `Pouch ${seal} did not reach its next hop in time`,
        what: `The pouch ${seal} from ${from} to ${to} was due at its next hop${due ? ` by ${new Date(due).toUTCString()}` : ''} and no custody receipt has arrived. It was last held by ${holder}.`,
        todo: `Contact ${holder} and the security officers of both units. If the pouch cannot be accounted for, treat its contents as compromised and open an incident; acknowledge this alert with what you found.`,
      };
    }
    default: {
      const message = str(d.message);
      return {
        title: event.code ? `Alert ${event.code}` : 'Alert',
        what: message ? `${message.charAt(0).toUpperCase()}${message.slice(1)}.` : 'The system raised an alert without an explanation.',
        todo: 'Look at the details below and at the audit log around this time; acknowledge the alert once you have dealt with it.',
      };
    }
  }
}
