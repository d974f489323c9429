/**
 * Key packages, creating and joining groups, and reading a group's public facts.
 */
import {
  type Credential,
  createGroup as createMlsGroup,
  defaultCapabilities,
  emptyPskIndex,
  generateKeyPackageWithKey,
  joinGroup,
  type KeyPackage,
  type PrivateKeyPackage,
} from 'ts-mls';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { constantTimeEqual, toBase64Url } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { mlsCiphersuite } from './ciphersuite.ts';
import {
  decodeKeyPackageMessage,
  decodePrivatePackage,
  decodeState,
  decodeTree,
  decodeWelcomeMessage,
  encodeKeyPackageMessage,
  encodePrivatePackage,
  encodeState,
  inertConfig,
} from './codec.ts';
import {
  type MlsContext,
  type MlsDeviceIdentity,
  type MlsMember,
  makeCredential,
  memberOfCredential,
  type RejectionLog,
} from './credential.ts';
import { isCryptoFailure, isTreeFailure, MLS_ERROR_CODES, mlsFailure } from './errors.ts';
import { authenticatedConfig, leavesOf, type MlsGroup, unwrapGroup, wrapGroup } from './state.ts';
import { MLS_SUITE_NAMES, MLS_SUITES, type MlsSuiteId, requireMlsSuite, suiteIdFromName } from './suites.ts';

/** How long a key package may wait on the server before it must no longer be used. */
export const KEY_PACKAGE_LIFETIME_SECONDS = 90 * 24 * 3600;
// Tolerate clocks that run a little behind the key package's creator.
const CLOCK_SKEW_SECONDS = 3600;

export interface MlsKeyPackage {
  /** The KeyPackage as an RFC 9420 MLSMessage: public, uploaded to the server. */
  keyPackage: Uint8Array;
  /** Its private keys (init, leaf HPKE, leaf signature). SECRET: store encrypted, delete once used. */
  privatePackage: Uint8Array;
  /** base64url KeyPackageRef (RFC 9420 §5.2): how a Welcome names the key package it is for. */
  ref: string;
}

async function newKeyPackage(
  ctx: MlsContext,
  identity: MlsDeviceIdentity,
  suite: MlsSuiteId,
): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  const cs = await mlsCiphersuite(ctx.crypto, suite, ctx.native);
  const signatureKeys = await cs.signature.keygen();
  const credential: Credential = await makeCredential(ctx.crypto, identity, suite, signatureKeys.publicKey);
  // ts-mls checks lifetimes against Date.now() itself, so the clock here is the same wall clock.
  const now = BigInt(Math.floor(Date.now() / 1000));
  const lifetime = { notBefore: now - BigInt(CLOCK_SKEW_SECONDS), notAfter: now + BigInt(KEY_PACKAGE_LIFETIME_SECONDS) };
  return generateKeyPackageWithKey(credential, defaultCapabilities(), lifetime, [], signatureKeys, cs);
}

/** Create a key package for this device: the public part others add it with, and its secret half. */
export async function createKeyPackage(ctx: MlsContext, identity: MlsDeviceIdentity, suite: number): Promise<MlsKeyPackage> {
  const s = requireMlsSuite(suite);
  const cs = await mlsCiphersuite(ctx.crypto, s, ctx.native);
  const { publicPackage, privatePackage } = await newKeyPackage(ctx, identity, s);
  return {
    keyPackage: encodeKeyPackageMessage(publicPackage),
    privatePackage: encodePrivatePackage(s, privatePackage),
    ref: toBase64Url(await makeKeyPackageRef(publicPackage, cs.hash)),
  };
}

export interface MlsKeyPackageInfo extends MlsMember {
  suite: MlsSuiteId;
  /** Validity window, Unix seconds. */
  notBefore: number;
  notAfter: number;
}

/**
 * What a key package claims, without verifying it: lets the server file an upload under the right
 * device and drop expired ones. Members verify for themselves before adding (addDevices).
 */
export function inspectKeyPackage(keyPackage: Uint8Array): MlsKeyPackageInfo {
  const kp = decodeKeyPackageMessage(keyPackage);
  const suite = suiteIdFromName(kp.cipherSuite);
  const { deviceId, person } = memberOfCredential(kp.leafNode.credential);
  const lifetime = kp.leafNode.lifetime;
  return { deviceId, person, suite, notBefore: Number(lifetime.notBefore), notAfter: Number(lifetime.notAfter) };
}

function checkGroupId(groupId: Uint8Array): void {
  if (groupId.length === 0 || groupId.length > 255) throw new ValiseError(MLS_ERROR_CODES.badGroupId, 'a group id must be 1-255 bytes');
}

/** Create a new group with this device as its only member (epoch 0). */
export async function createGroup(ctx: MlsContext, identity: MlsDeviceIdentity, suite: number, groupId: Uint8Array): Promise<MlsGroup> {
  const s = requireMlsSuite(suite);
  checkGroupId(groupId);
  const cs = await mlsCiphersuite(ctx.crypto, s, ctx.native);
  const { publicPackage, privatePackage } = await newKeyPackage(ctx, identity, s);
  // The authentication service is plugged in per operation; a new group has nobody else to judge.
  return wrapGroup(await createMlsGroup(new Uint8Array(groupId), publicPackage, privatePackage, [], cs, inertConfig()), s);
}

/** Which key packages (base64url refs) a Welcome carries secrets for: pick the matching privatePackage. */
export function welcomeKeyPackageRefs(welcome: Uint8Array): string[] {
  return decodeWelcomeMessage(welcome).secrets.map((s) => toBase64Url(s.newMember));
}

/**
 * Join a group from a Welcome, with the ratchet tree served by the delivery service (Valise never
 * inlines the tree in Welcomes: one shared Welcome with the tree inside makes memory grow with the
 * square of the number of joiners). The tree is not trusted: ts-mls checks it against the tree hash
 * in the signed GroupInfo, verifies every leaf, and our authentication service checks every
 * member's credential against the directory.
 */
export async function joinFromWelcome(
  ctx: MlsContext,
  welcome: Uint8Array,
  keyPackage: Uint8Array,
  privatePackage: Uint8Array,
  ratchetTree: Uint8Array,
): Promise<MlsGroup> {
  const w = decodeWelcomeMessage(welcome);
  const kp = decodeKeyPackageMessage(keyPackage);
  const { suite, keys } = decodePrivatePackage(privatePackage);
  if (kp.cipherSuite !== MLS_SUITE_NAMES[suite])
    throw new ValiseError(MLS_ERROR_CODES.badKeyPackage, 'key package and its private half differ in suite');
  if (w.cipherSuite !== kp.cipherSuite) throw new ValiseError(MLS_ERROR_CODES.invalidWelcome, 'the Welcome is for another cipher suite');
  const cs = await mlsCiphersuite(ctx.crypto, suite, ctx.native);
  const scheme = suite === MLS_SUITES.postQuantum ? ctx.crypto.mlDsa87 : ctx.crypto.ed25519;
  const derived = await scheme.generateKeyPair(keys.signaturePrivateKey);
  if (!constantTimeEqual(derived.publicKey, kp.leafNode.signaturePublicKey)) {
    throw new ValiseError(MLS_ERROR_CODES.badKeyPackage, 'the private package does not belong to this key package');
  }
  const ref = await makeKeyPackageRef(kp, cs.hash);
  if (!w.secrets.some((s) => constantTimeEqual(s.newMember, ref))) {
    throw new ValiseError(MLS_ERROR_CODES.notAMember, 'the Welcome does not add this key package');
  }
  const tree = decodeTree(ratchetTree);
  const log: RejectionLog = { rejected: 0 };
  try {
    const state = await joinGroup(w, kp, keys, emptyPskIndex, cs, tree, undefined, authenticatedConfig(ctx, suite, log));
    return wrapGroup(state, suite);
  } catch (err) {
    if (isTreeFailure(err)) throw mlsFailure(err, log, MLS_ERROR_CODES.badTree, 'the served ratchet tree does not match the group');
    if (isCryptoFailure(err)) throw mlsFailure(err, log, MLS_ERROR_CODES.decryptFailed, 'the Welcome could not be decrypted');
    throw mlsFailure(err, log, MLS_ERROR_CODES.invalidWelcome, 'the Welcome is not valid');
  }
}

/** The group id. */
export function groupId(group: MlsGroup): Uint8Array {
  return new Uint8Array(unwrapGroup(group).state.groupContext.groupId);
}

/** The current epoch: 0 at creation, +1 per commit. */
export function groupEpoch(group: MlsGroup): number {
  return Number(unwrapGroup(group).state.groupContext.epoch);
}

/** The group's cipher suite id. */
export function groupSuite(group: MlsGroup): MlsSuiteId {
  return unwrapGroup(group).suite;
}

/** The group's members (one entry per device leaf), in leaf order. */
export function groupMembers(group: MlsGroup): { deviceId: string; person: string; leafIndex: number }[] {
  return leavesOf(unwrapGroup(group).state.ratchetTree).map(({ deviceId, person, leafIndex }) => ({ deviceId, person, leafIndex }));
}

/** This device's own leaf index in the group. */
export function groupOwnLeafIndex(group: MlsGroup): number {
  return unwrapGroup(group).state.privatePath.leafIndex;
}

/**
 * Serialise a group for storage.
 *
 * !!! THE RESULT HOLDS PRIVATE KEYS: the leaf signature key, the HPKE keys of this device's path,
 * the epoch secrets and the message ratchets (including retained keys of recent epochs). Whoever
 * reads it can read the group's traffic and sign as this device. Encrypt it at rest (the SDK's
 * EncryptedStore does), never log it, never send it anywhere, and overwrite it on each update so
 * old epochs' keys do not linger.
 */
export function encodeGroup(group: MlsGroup): Uint8Array {
  return encodeState(unwrapGroup(group).state);
}

/** Restore a group from encodeGroup's output (which the caller decrypted). Throws MLS_BAD_STATE. */
export function decodeGroup(bytes: Uint8Array): MlsGroup {
  const { state, suite } = decodeState(bytes);
  return wrapGroup(state, suite);
}
