/**
 * Monitoring the key events of this device's person: every entry appended since the last scan is
 * read from the public entry bundles and checked against the verified checkpoint (so none can be
 * left out), every tagged key-event leaf must come with its opening (a hidden key event is an
 * alarm), and an enrolment for this person of a device this device does not know raises an alert,
 * kept here and reported to the server (security officers see it).
 *
 * The known set starts, on first use, as the person's devices enrolled up to and including this
 * device's own enrolment; `trustDevice` adds one ("it was me").
 */
import {
  decodeEntryBundle,
  EVENT_COMMITMENT_SIZE,
  entriesPath,
  extendFrontier,
  fromStdBase64,
  isKeyEventLeaf,
  type KeyEventOpening,
  type KeyEventsResponse,
  leafHash,
  TILE_WIDTH,
  type TreeFrontier,
  tileWidth,
  toStdBase64,
  ValiseError,
} from '@valise/protocol';
import type { ClientCore } from './core.ts';
import { keyEventLeaf, keyFingerprint, parseKeyEvent, refreshCheckpoint, rememberRevoked, transparencyLock } from './transparency.ts';

const MONITOR = 'kt/monitor';
const ALERTS = 'kt/alerts';

interface MonitorState {
  /** Entries [0, size) have been scanned; hashes: their frontier (standard base64). */
  size: number;
  hashes: string[];
  /** This device's own enrolment has been seen: later unknown enrolments are alerts. */
  seenSelf: boolean;
  /** Devices of this person known to this device (TOFU, then trusted). */
  known: string[];
}

/** An enrolment of a device of this device's person that this device did not know. */
export interface DeviceAlert {
  deviceId: string;
  person: string;
  /** Log index of the enrolment event. */
  index: number;
  keyFingerprint: string;
  enrolledAt: string | null;
  raisedAt: string;
  /** The server has recorded it as an alert security event. */
  reported: boolean;
}

export interface MonitorResult {
  /** Entries scanned up to (the verified checkpoint size). */
  size: number;
  /** Key events seen in this scan. */
  keyEvents: number;
  /** Alerts raised in this scan. */
  alerts: DeviceAlert[];
}

function toFrontier(s: MonitorState): TreeFrontier {
  return { size: s.size, hashes: s.hashes.map((h) => fromStdBase64(h, 'STORE_CORRUPT')) };
}

async function loadState(core: ClientCore): Promise<MonitorState> {
  return (await core.store.getJson<MonitorState>(MONITOR)) ?? { size: 0, hashes: [], seenSelf: false, known: [] };
}

export async function deviceAlerts(core: ClientCore): Promise<DeviceAlert[]> {
  return (await core.store.getJson<DeviceAlert[]>(ALERTS)) ?? [];
}

/** The leaves [from, to) from the public entry bundles. */
async function leavesBetween(core: ClientCore, from: number, to: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let tile = Math.floor(from / TILE_WIDTH); tile * TILE_WIDTH < to; tile++) {
    const width = tileWidth(0, tile, to);
    const bytes = new Uint8Array(await (await core.api.getLog(entriesPath(tile, width))).arrayBuffer());
    let entries: Uint8Array[];
    try {
      entries = decodeEntryBundle(bytes, width);
    } catch (cause) {
      throw new ValiseError('AUDIT_TILE_MISMATCH', `entry bundle ${tile} is malformed`, { cause });
    }
    entries.forEach((e, i) => {
      if (tile * TILE_WIDTH + i >= from) out.push(e);
    });
  }
  return out;
}

/** Every key-event opening in [from, to), following the server's pages. */
async function openingsBetween(core: ClientCore, from: number, to: number): Promise<KeyEventOpening[]> {
  const out: KeyEventOpening[] = [];
  let at = from;
  while (at < to) {
    const page = await core.api.get<KeyEventsResponse>(`/transparency/key-events?from=${at}&to=${to}&limit=1000`);
    if (!Array.isArray(page.events) || !Number.isSafeInteger(page.to) || page.to <= at || page.to > to || (!page.more && page.to !== to)) {
      throw new ValiseError('KT_BAD_OPENING', 'the server answered the key-event scan with a malformed page');
    }
    out.push(...page.events);
    at = page.to;
  }
  return out;
}

/** Scan the log from where the last scan stopped to the latest verified checkpoint. */
export function monitorDevices(core: ClientCore): Promise<MonitorResult> {
  return transparencyLock(core)(async () => {
    const cp = await refreshCheckpoint(core);
    const state = await loadState(core);
    if (cp.size <= state.size) return { size: state.size, keyEvents: 0, alerts: [] };
    const leaves = await leavesBetween(core, state.size, cp.size);
    const extended = await extendFrontier(
      toFrontier(state),
      leaves.map((l) => leafHash(l)),
    );
    if (toStdBase64(extended.root) !== toStdBase64(cp.rootHash)) {
      throw new ValiseError('AUDIT_TILE_MISMATCH', `the entries served do not make the checkpoint of size ${cp.size}`);
    }
    const tagged = new Map<number, Uint8Array>();
    leaves.forEach((leaf, i) => {
      const index = state.size + i;
      if (isKeyEventLeaf(leaf)) tagged.set(index, leaf);
      else if (leaf.length !== EVENT_COMMITMENT_SIZE)
        throw new ValiseError('KT_BAD_LEAF', `log entry ${index} is neither a commitment nor a key event`);
    });
    const openings = await openingsBetween(core, state.size, cp.size);
    const opened = new Set<number>();
    for (const o of openings) {
      const leaf = tagged.get(o.index);
      if (!leaf || opened.has(o.index) || toStdBase64(await keyEventLeaf(core, o)) !== toStdBase64(leaf) || !parseKeyEvent(o.event)) {
        throw new ValiseError('KT_BAD_OPENING', `the opening of log entry ${o.index} does not match the log`);
      }
      opened.add(o.index);
    }
    const hidden = [...tagged.keys()].filter((i) => !opened.has(i));
    if (hidden.length > 0) {
      throw new ValiseError(
        'KT_HIDDEN_KEY_EVENT',
        `the server hides ${hidden.length} key event(s) (log entries ${hidden.slice(0, 5).join(', ')}): device keys may have been added without your knowledge; tell your security officer`,
      );
    }

    const self = core.identity;
    const known = new Set(state.known);
    let seenSelf = state.seenSelf;
    const raised: DeviceAlert[] = [];
    const revoked: string[] = [];
    for (const o of [...openings].sort((a, b) => a.index - b.index)) {
      const ev = parseKeyEvent(o.event);
      if (!ev) continue;
      if (ev.type === 'device-revoke') {
        revoked.push(ev.details.deviceId);
        continue;
      }
      if (ev.details.person !== self.person.handle) continue;
      const id = ev.details.deviceId;
      if (id === self.deviceId) {
        // The log must hold this device's own key: another one means someone enrolled as it.
        if (ev.details.keyFingerprint !== (await keyFingerprint(core, self.identityPublicKey))) {
          throw new ValiseError(
            'KT_OWN_KEY_MISMATCH',
            `the audit log holds another key for this device (log entry ${o.index}): tell your security officer now`,
          );
        }
        // Likewise its pouch key: one the server logged instead would let it read pouches sealed to this device.
        const ownPouch = self.pouchPublicKey ? await keyFingerprint(core, self.pouchPublicKey) : undefined;
        if (ev.details.pouchKeyFingerprint !== ownPouch) {
          throw new ValiseError(
            'KT_OWN_KEY_MISMATCH',
            `the audit log holds another pouch key for this device (log entry ${o.index}): tell your security officer now`,
          );
        }
        seenSelf = true;
        known.add(id);
      } else if (!seenSelf) known.add(id);
      else if (!known.has(id)) {
        raised.push({
          deviceId: id,
          person: ev.details.person,
          index: o.index,
          keyFingerprint: ev.details.keyFingerprint,
          enrolledAt: ev.details.enrolledAt ?? null,
          raisedAt: core.clock().toISOString(),
          reported: false,
        });
      }
    }
    await rememberRevoked(core, revoked);
    const alerts = [...(await deviceAlerts(core)), ...raised];
    await core.store.putJson(ALERTS, alerts);
    const next: MonitorState = {
      size: extended.frontier.size,
      hashes: extended.frontier.hashes.map(toStdBase64),
      seenSelf,
      known: [...known],
    };
    await core.store.putJson(MONITOR, next);
    await reportAlerts(core);
    return { size: cp.size, keyEvents: openings.length, alerts: raised };
  });
}

/** Report alerts not yet recorded by the server; those that fail stay for the next scan. */
async function reportAlerts(core: ClientCore): Promise<void> {
  const alerts = await deviceAlerts(core);
  let changed = false;
  for (const a of alerts) {
    if (a.reported) continue;
    try {
      await core.api.post('/transparency/alerts', { deviceId: a.deviceId, index: a.index });
      a.reported = true;
      changed = true;
    } catch {
      // The alert stays on this device and is reported at the next scan.
    }
  }
  if (changed) await core.store.putJson(ALERTS, alerts);
}

/** "It was me": add a device of this person to the known set and clear its alerts. */
export function trustDevice(core: ClientCore, deviceId: string): Promise<DeviceAlert[]> {
  return transparencyLock(core)(async () => {
    const state = await loadState(core);
    if (!state.known.includes(deviceId)) await core.store.putJson(MONITOR, { ...state, known: [...state.known, deviceId] });
    const alerts = await deviceAlerts(core);
    const cleared = alerts.filter((a) => a.deviceId === deviceId);
    await core.store.putJson(
      ALERTS,
      alerts.filter((a) => a.deviceId !== deviceId),
    );
    return cleared;
  });
}
