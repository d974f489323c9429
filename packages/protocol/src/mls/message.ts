/**
 * Application messages: MLS PrivateMessages, each signed by the sender's leaf key and encrypted
 * under a one-use key from the sender's ratchet in the epoch's secret tree.
 */
import { createApplicationMessage, type EpochReceiverData, encodeMlsMessage } from 'ts-mls';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { constantTimeEqual } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { mlsCiphersuite } from './ciphersuite.ts';
import { decodePrivateMessage } from './codec.ts';
import { type MlsContext, type MlsMember, memberOfCredential, type RejectionLog } from './credential.ts';
import { MLS_ERROR_CODES, mlsFailure } from './errors.ts';
import { type MlsGroup, requireActive, unwrapGroup, withAuthentication, wrapGroup } from './state.ts';

/** Encrypt an application message to the group's current epoch. Store the returned group before sending. */
export async function encryptMessage(
  ctx: MlsContext,
  group: MlsGroup,
  plaintext: Uint8Array,
): Promise<{ group: MlsGroup; message: Uint8Array }> {
  const h = unwrapGroup(group);
  requireActive(h);
  const cs = await mlsCiphersuite(ctx.crypto, h.suite, ctx.native);
  const log: RejectionLog = { rejected: 0 };
  try {
    const out = await createApplicationMessage(withAuthentication(h, ctx, log), plaintext, cs);
    const message = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: out.privateMessage });
    return { group: wrapGroup(out.newState, h.suite), message };
  } catch (err) {
    throw mlsFailure(err, log, MLS_ERROR_CODES.badState, 'the message could not be encrypted');
  }
}

/**
 * Decrypt an application message of the current epoch or of a recent one whose keys are still
 * retained (ts-mls keeps 4 epochs, for messages sent just before a commit). Anything that does not
 * decrypt and verify fails with a code; nothing partial is ever returned.
 */
export async function decryptMessage(
  ctx: MlsContext,
  group: MlsGroup,
  message: Uint8Array,
): Promise<{ group: MlsGroup; plaintext: Uint8Array; sender: MlsMember }> {
  const h = unwrapGroup(group);
  const pm = decodePrivateMessage(message);
  const { state } = h;
  if (!constantTimeEqual(pm.groupId, state.groupContext.groupId))
    throw new ValiseError(MLS_ERROR_CODES.wrongGroup, 'the message is for another group');
  if (pm.contentType !== 'application')
    throw new ValiseError(MLS_ERROR_CODES.badMessage, `a ${pm.contentType} is not an application message`);
  requireActive(h);
  const current = state.groupContext.epoch;
  if (pm.epoch > current)
    throw new ValiseError(MLS_ERROR_CODES.wrongEpoch, `the message is for epoch ${pm.epoch}, the group is at ${current}`);
  let past: EpochReceiverData | undefined;
  if (pm.epoch < current) {
    past = state.historicalReceiverData.get(pm.epoch);
    if (!past) throw new ValiseError(MLS_ERROR_CODES.wrongEpoch, `the keys of epoch ${pm.epoch} are no longer held`);
  }
  const epoch = past ?? {
    senderDataSecret: state.keySchedule.senderDataSecret,
    secretTree: state.secretTree,
    ratchetTree: state.ratchetTree,
    groupContext: state.groupContext,
  };
  const cs = await mlsCiphersuite(ctx.crypto, h.suite, ctx.native);
  try {
    const out = await unprotectPrivateMessage(
      epoch.senderDataSecret,
      pm,
      epoch.secretTree,
      epoch.ratchetTree,
      epoch.groupContext,
      state.clientConfig.keyRetentionConfig,
      cs,
    );
    const content = out.content.content;
    if (content.contentType !== 'application' || content.sender.senderType !== 'member') {
      throw new ValiseError(MLS_ERROR_CODES.badMessage, 'not an application message from a member');
    }
    const leaf = epoch.ratchetTree[content.sender.leafIndex * 2];
    if (leaf?.nodeType !== 'leaf') throw new ValiseError(MLS_ERROR_CODES.decryptFailed, 'the sender is not in the group');
    const sender = memberOfCredential(leaf.leaf.credential);
    const next = past
      ? { ...state, historicalReceiverData: new Map(state.historicalReceiverData).set(pm.epoch, { ...past, secretTree: out.tree }) }
      : { ...state, secretTree: out.tree };
    return { group: wrapGroup(next, h.suite), plaintext: content.applicationData, sender };
  } catch (err) {
    throw mlsFailure(err, undefined, MLS_ERROR_CODES.decryptFailed, 'the message could not be decrypted or authenticated');
  }
}
