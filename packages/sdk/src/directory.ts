/** Looking people, units and devices up in the server's directory. */
import type { Device, Person, Unit } from '@valise/protocol';
import { ValiseError } from '@valise/protocol';
import type { ClientCore } from './core.ts';

export interface ResolvedRecipients {
  /** People who will be members, the sender included. */
  people: Person[];
  /** Active devices to add, excluding this device. */
  devices: Device[];
  /** People reached through a unit who have no enrolled device yet. */
  skipped: string[];
  /** People named directly (not through a unit): each must be reached. */
  direct: string[];
}

export async function listUnits(core: ClientCore): Promise<Unit[]> {
  return core.api.get<Unit[]>('/directory/units');
}

export async function listPeople(core: ClientCore): Promise<Person[]> {
  return core.api.get<Person[]>('/directory/people');
}

export async function devicesOf(core: ClientCore, person: string): Promise<Device[]> {
  return core.api.get<Device[]>(`/directory/people/${encodeURIComponent(person)}/devices`);
}

/**
 * Expand handles (people or whole units) into people and their active devices. A person named
 * directly must have a device; people reached through a unit without one are reported, not fatal.
 */
export async function resolveRecipients(core: ClientCore, handles: string[]): Promise<ResolvedRecipients> {
  const units = new Set((await listUnits(core)).map((u) => u.handle));
  const people = new Map<string, Person>();
  const direct = new Set<string>();
  const everyone = await listPeople(core);
  const byHandle = new Map(everyone.map((p) => [p.handle, p]));
  for (const raw of handles) {
    const handle = raw.trim().toLowerCase();
    if (!handle) continue;
    if (units.has(handle)) {
      for (const p of await core.api.get<Person[]>(`/directory/units/${encodeURIComponent(handle)}/members`)) people.set(p.handle, p);
      continue;
    }
    const person = byHandle.get(handle);
    if (!person) throw new ValiseError('UNKNOWN_RECIPIENT', `no person or unit called ${handle} in the directory`);
    people.set(handle, person);
    direct.add(handle);
  }
  people.set(core.identity.person.handle, core.identity.person);

  const devices: Device[] = [];
  const skipped: string[] = [];
  for (const person of people.values()) {
    const active = (await devicesOf(core, person.handle)).filter((d) => d.revokedAt === null && d.id !== core.identity.deviceId);
    if (active.length === 0 && person.handle !== core.identity.person.handle) {
      if (direct.has(person.handle)) {
        throw new ValiseError(
          'RECIPIENT_NOT_ENROLLED',
          `${person.handle} has no enrolled device yet: they must enrol once before they can receive`,
        );
      }
      skipped.push(person.handle);
      continue;
    }
    devices.push(...active);
  }
  return {
    people: [...people.values()].filter((p) => !skipped.includes(p.handle)),
    devices,
    skipped,
    direct: [...direct].filter((h) => h !== core.identity.person.handle),
  };
}
