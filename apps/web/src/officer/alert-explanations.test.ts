import { describe, expect, it } from 'vitest';
import { explainAlert } from './alert-explanations.ts';
import type { SecurityEvent } from './types.ts';

const names = {
  person: (h: string) => ({ 'alice@x.example': 'Alice Firefly', 'bob@x.example': 'Bob Marx' })[h] ?? h,
  unit: (h: string) => ({ 'hq@x.example': 'Headquarters' })[h] ?? h,
  device: (id: string) => ({ D2: 'Unknown tablet', D1: 'Alice — desk' })[id],
};

const event = (code: string | null, details: Record<string, unknown>, actor: SecurityEvent['actor'] = { person: null, device: null }) =>
  ({
    id: '01J00000000000000000000000',
    at: '2026-11-23T10:00:00.000Z',
    type: 'alert',
    actor,
    target: null,
    code,
    details,
  }) as SecurityEvent;

describe('alert explanations', () => {
  it('names the person, both devices and what to do for a device its person did not enrol', () => {
    const x = explainAlert(
      event(
        'KT_UNKNOWN_DEVICE',
        { kind: 'device-not-enrolled-by-person', deviceId: 'D2', person: 'alice@x.example', index: 14 },
        {
          person: 'alice@x.example',
          device: 'D1',
        },
      ),
      names,
    );
    expect(x.title).toBe('A device of Alice Firefly was enrolled that Alice Firefly’s own device does not know');
    expect(x.what).toContain('“Unknown tablet”');
    expect(x.what).toContain('“Alice — desk”');
    expect(x.what).toContain('entry 14');
    expect(x.todo).toMatch(/^Check with Alice Firefly in person/);
    expect(x).toMatchObject({ person: 'alice@x.example', device: 'D2' });
  });

  it('explains a missing pouch with its units and holder', () => {
    const x = explainAlert(
      event('POUCH_MISSING', {
        sealNumber: 'FRD-0042',
        senderUnit: 'hq@x.example',
        consigneeUnit: 'emb@x.example',
        holder: 'bob@x.example',
      }),
      names,
    );
    expect(x.title).toBe('Pouch FRD-0042 did not reach its next hop in time');
    expect(x.what).toContain('from Headquarters to emb@x.example');
    expect(x.todo).toContain('Contact Bob Marx');
  });

  it('still says something useful for a code it does not know', () => {
    const x = explainAlert(event('EXPORT_SPIKE', { message: 'bulk export by bob' }), names);
    expect(x.title).toBe('Alert EXPORT_SPIKE');
    expect(x.what).toBe('Bulk export by bob.');
    expect(explainAlert(event(null, {}), names).what).toMatch(/without an explanation/);
  });
});
