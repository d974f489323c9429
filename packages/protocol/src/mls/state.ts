/**
 * The opaque MlsGroup handle and the helpers every operation shares. A handle is an empty frozen
 * object; the ts-mls state behind it lives in a WeakMap, so nothing outside this folder can see or
 * depend on ts-mls types, and a handle is immutable: every operation returns a new one.
 */
import type { ClientConfig, ClientState, RatchetTree } from 'ts-mls';
import { toBase64Url } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { inertConfig } from './codec.ts';
import { type MlsContext, type MlsMember, memberOfCredential, type RejectionLog, valiseAuthenticationService } from './credential.ts';
import { MLS_ERROR_CODES } from './errors.ts';
import type { MlsSuiteId } from './suites.ts';

declare const mlsGroupBrand: unique symbol;

/**
 * An MLS group as seen by this device: opaque and immutable. Each operation returns a new MlsGroup;
 * keep using the old one only until the new one is safely stored (the SDK stores it before sending).
 */
export interface MlsGroup {
  readonly [mlsGroupBrand]: true;
}

interface Held {
  readonly state: ClientState;
  readonly suite: MlsSuiteId;
}

const held = new WeakMap<MlsGroup, Held>();

export function wrapGroup(state: ClientState, suite: MlsSuiteId): MlsGroup {
  const group = Object.freeze({}) as MlsGroup;
  held.set(group, { state, suite });
  return group;
}

export function unwrapGroup(group: MlsGroup): Held {
  const h = held.get(group);
  if (!h) throw new ValiseError(MLS_ERROR_CODES.badState, 'not an MlsGroup made by this module');
  return h;
}

/** ts-mls's defaults with this call's authentication service (ts-mls's own accepts every credential). */
export function authenticatedConfig(ctx: MlsContext, suite: MlsSuiteId, log: RejectionLog): ClientConfig {
  return { ...inertConfig(), authService: valiseAuthenticationService(ctx, suite, log) };
}

/** The state with this call's authentication service plugged in (a stored state carries none). */
export function withAuthentication(h: Held, ctx: MlsContext, log: RejectionLog): ClientState {
  return { ...h.state, clientConfig: authenticatedConfig(ctx, h.suite, log) };
}

export function requireActive(h: Held): void {
  if (h.state.groupActiveState.kind !== 'active') {
    throw new ValiseError(MLS_ERROR_CODES.notAMember, 'this device is no longer an active member of the group');
  }
}

export interface MlsLeaf extends MlsMember {
  leafIndex: number;
  /** Base64url of the leaf's MLS signature key: tells a re-used leaf slot from the same leaf. */
  signatureKey: string;
}

/** The occupied leaves of a ratchet tree, in leaf order. */
export function leavesOf(tree: RatchetTree): MlsLeaf[] {
  const out: MlsLeaf[] = [];
  for (let i = 0; i < tree.length; i += 2) {
    const node = tree[i];
    if (node?.nodeType !== 'leaf') continue;
    out.push({ ...memberOfCredential(node.leaf.credential), leafIndex: i / 2, signatureKey: toBase64Url(node.leaf.signaturePublicKey) });
  }
  return out;
}

/** Leaves present in `after` and not in `before` (and the reverse), matched by index and signature key. */
export function diffLeaves(before: MlsLeaf[], after: MlsLeaf[]): { added: MlsMember[]; removed: MlsMember[] } {
  const key = (l: MlsLeaf) => `${l.leafIndex}:${l.signatureKey}`;
  const had = new Set(before.map(key));
  const has = new Set(after.map(key));
  const member = (l: MlsLeaf): MlsMember => ({ deviceId: l.deviceId, person: l.person });
  return {
    added: after.filter((l) => !had.has(key(l))).map(member),
    removed: before.filter((l) => !has.has(key(l))).map(member),
  };
}
