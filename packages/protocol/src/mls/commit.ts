/**
 * Changing a group: adding and removing devices, refreshing this device's keys, and applying other
 * members' commits.
 *
 * Handshake wire format: commits are sent as PrivateMessages (encrypted under the current epoch's
 * handshake ratchet), not PublicMessages. The delivery service does not need to read a commit: it
 * orders commits by the epoch number in its own envelope (first commit for an epoch wins) and
 * serves the ratchet tree the committer uploads, which joiners verify against the signed tree hash.
 * Encrypting keeps from the server who committed, which proposals a commit carries and its update
 * path, and members removed by a commit can still decrypt it (it is sealed under the epoch they
 * were in), so they learn of their removal. The PrivateMessage header still shows the group id,
 * epoch and content type, which is what ordering needs.
 */
import { type ClientState, createCommit, encodeMlsMessage, makePskIndex, type Proposal, processPrivateMessage } from 'ts-mls';
import { constantTimeEqual } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { mlsCiphersuite } from './ciphersuite.ts';
import { decodeKeyPackageMessage, decodePrivateMessage, encodeTree, encodeWelcomeMessage } from './codec.ts';
import { credentialIsBound, type MlsContext, type MlsMember, memberOfCredential, type RejectionLog } from './credential.ts';
import { isCryptoFailure, MLS_ERROR_CODES, type MlsErrorCode, mlsFailure } from './errors.ts';
import { diffLeaves, leavesOf, type MlsGroup, requireActive, unwrapGroup, withAuthentication, wrapGroup } from './state.ts';

export interface MlsCommitResult {
  /** The group after the commit. Use it once the delivery service has accepted `commit` for this epoch. */
  group: MlsGroup;
  /** The commit (an MLSMessage PrivateMessage) for the other members. */
  commit: Uint8Array;
  /** The new epoch's ratchet tree, for the delivery service to serve to joiners. Public. */
  ratchetTree: Uint8Array;
}

export interface MlsAddResult extends MlsCommitResult {
  /** One Welcome (MLSMessage) for all added devices; each finds its secrets by key package ref. */
  welcome: Uint8Array;
  added: MlsMember[];
}

export interface MlsProcessedCommit {
  group: MlsGroup;
  added: MlsMember[];
  removed: MlsMember[];
  /** True when this commit removed this device: it holds no keys for the new epoch. */
  removedSelf: boolean;
}

async function commit(
  ctx: MlsContext,
  group: MlsGroup,
  proposals: Proposal[],
  failureCode: MlsErrorCode,
): Promise<{ state: ClientState; commit: Uint8Array; welcome?: Uint8Array }> {
  const h = unwrapGroup(group);
  requireActive(h);
  const cs = await mlsCiphersuite(ctx.crypto, h.suite, ctx.native);
  const log: RejectionLog = { rejected: 0 };
  const state = withAuthentication(h, ctx, log);
  try {
    const out = await createCommit(
      { state, cipherSuite: cs, pskIndex: makePskIndex(state, {}) },
      // Never inline the tree in the Welcome: joiners fetch it from the delivery service.
      { extraProposals: proposals, ratchetTreeExtension: false, wireAsPublicMessage: false },
    );
    return {
      state: out.newState,
      commit: encodeMlsMessage(out.commit),
      welcome: out.welcome ? encodeWelcomeMessage(out.welcome) : undefined,
    };
  } catch (err) {
    throw mlsFailure(err, log, failureCode, 'the commit could not be created');
  }
}

/**
 * Add devices from their key packages in one commit. Every key package is checked first (suite,
 * credential against the directory); any refusal aborts the whole add with MLS_CREDENTIAL_REJECTED
 * or MLS_BAD_KEY_PACKAGE, naming its position, and changes nothing.
 */
export async function addDevices(ctx: MlsContext, group: MlsGroup, keyPackages: Uint8Array[]): Promise<MlsAddResult> {
  const h = unwrapGroup(group);
  requireActive(h);
  if (keyPackages.length === 0) throw new ValiseError(MLS_ERROR_CODES.emptyCommit, 'no key packages to add');
  const present = new Set(leavesOf(h.state.ratchetTree).map((l) => l.deviceId));
  const added: MlsMember[] = [];
  const proposals: Proposal[] = [];
  for (const [i, bytes] of keyPackages.entries()) {
    let kp: ReturnType<typeof decodeKeyPackageMessage>;
    try {
      kp = decodeKeyPackageMessage(bytes);
    } catch (cause) {
      throw new ValiseError(MLS_ERROR_CODES.badKeyPackage, `key package ${i} is malformed`, { cause });
    }
    if (kp.cipherSuite !== h.state.groupContext.cipherSuite) {
      throw new ValiseError(MLS_ERROR_CODES.badKeyPackage, `key package ${i} is for another cipher suite`);
    }
    if (!(await credentialIsBound(ctx, h.suite, kp.leafNode.credential, kp.leafNode.signaturePublicKey))) {
      throw new ValiseError(MLS_ERROR_CODES.credentialRejected, `key package ${i}: credential rejected by the authentication service`);
    }
    const member = memberOfCredential(kp.leafNode.credential);
    if (present.has(member.deviceId)) {
      throw new ValiseError(MLS_ERROR_CODES.alreadyMember, `key package ${i}: device ${member.deviceId} is already in the group`);
    }
    present.add(member.deviceId);
    added.push(member);
    proposals.push({ proposalType: 'add', add: { keyPackage: kp } });
  }
  // ts-mls re-validates each key package (signatures, lifetime, key uniqueness) inside the commit.
  const out = await commit(ctx, group, proposals, MLS_ERROR_CODES.badKeyPackage);
  if (!out.welcome) throw new ValiseError(MLS_ERROR_CODES.invalidCommit, 'an add commit produced no Welcome');
  return {
    group: wrapGroup(out.state, h.suite),
    commit: out.commit,
    welcome: out.welcome,
    ratchetTree: encodeTree(out.state.ratchetTree),
    added,
  };
}

/** Remove devices (every leaf of each) in one commit. A device cannot remove itself. */
export async function removeDevices(ctx: MlsContext, group: MlsGroup, deviceIds: string[]): Promise<MlsCommitResult> {
  const h = unwrapGroup(group);
  requireActive(h);
  const wanted = new Set(deviceIds);
  if (wanted.size === 0) throw new ValiseError(MLS_ERROR_CODES.emptyCommit, 'no devices to remove');
  const leaves = leavesOf(h.state.ratchetTree);
  const own = h.state.privatePath.leafIndex;
  const proposals: Proposal[] = [];
  for (const deviceId of wanted) {
    const matches = leaves.filter((l) => l.deviceId === deviceId);
    if (matches.length === 0) throw new ValiseError(MLS_ERROR_CODES.notAMember, `device ${deviceId} is not in the group`);
    for (const leaf of matches) {
      if (leaf.leafIndex === own) throw new ValiseError(MLS_ERROR_CODES.cannotRemoveSelf, 'a device cannot commit its own removal');
      proposals.push({ proposalType: 'remove', remove: { removed: leaf.leafIndex } });
    }
  }
  const out = await commit(ctx, group, proposals, MLS_ERROR_CODES.invalidCommit);
  return { group: wrapGroup(out.state, h.suite), commit: out.commit, ratchetTree: encodeTree(out.state.ratchetTree) };
}

/** Refresh this device's leaf and path keys (post-compromise security): an empty commit with a path. */
export async function selfUpdate(ctx: MlsContext, group: MlsGroup): Promise<MlsCommitResult> {
  const h = unwrapGroup(group);
  const out = await commit(ctx, group, [], MLS_ERROR_CODES.invalidCommit);
  return { group: wrapGroup(out.state, h.suite), commit: out.commit, ratchetTree: encodeTree(out.state.ratchetTree) };
}

/** Apply another member's commit for the current epoch. */
export async function processCommit(ctx: MlsContext, group: MlsGroup, commitBytes: Uint8Array): Promise<MlsProcessedCommit> {
  const h = unwrapGroup(group);
  const pm = decodePrivateMessage(commitBytes);
  if (!constantTimeEqual(pm.groupId, h.state.groupContext.groupId))
    throw new ValiseError(MLS_ERROR_CODES.wrongGroup, 'the commit is for another group');
  if (pm.contentType !== 'commit') throw new ValiseError(MLS_ERROR_CODES.badMessage, `expected a commit, got ${pm.contentType}`);
  requireActive(h);
  if (pm.epoch !== h.state.groupContext.epoch) {
    throw new ValiseError(MLS_ERROR_CODES.wrongEpoch, `the commit is for epoch ${pm.epoch}, the group is at ${h.state.groupContext.epoch}`);
  }
  const cs = await mlsCiphersuite(ctx.crypto, h.suite, ctx.native);
  const log: RejectionLog = { rejected: 0 };
  const state = withAuthentication(h, ctx, log);
  let next: ClientState;
  try {
    const out = await processPrivateMessage(state, pm, makePskIndex(state, {}), cs);
    if (out.kind !== 'newState' || out.actionTaken !== 'accept') throw new ValiseError(MLS_ERROR_CODES.badMessage, 'not a commit');
    next = out.newState;
  } catch (err) {
    if (isCryptoFailure(err))
      throw mlsFailure(err, log, MLS_ERROR_CODES.decryptFailed, 'the commit could not be decrypted or authenticated');
    throw mlsFailure(err, log, MLS_ERROR_CODES.invalidCommit, 'the commit is not valid');
  }
  const { added, removed } = diffLeaves(leavesOf(h.state.ratchetTree), leavesOf(next.ratchetTree));
  return { group: wrapGroup(next, h.suite), added, removed, removedSelf: next.groupActiveState.kind === 'removedFromGroup' };
}
