/**
 * Labels and policy as services: the label policy itself, relabelling a conversation (raising it,
 * or lowering it with a justification and, from the top level, a second security officer's
 * approval), export checks, and the security events security officers review.
 */
import {
  type ApprovalDecisionResponse,
  type Conversation,
  type ExportRequest,
  type LabelApproval,
  type LabelPolicy,
  labelDominates,
  type RelabelRequest,
  type RelabelResponse,
  type SecurityEvents,
} from '@valise/protocol';
import type { Selectable } from 'kysely';
import type { ServiceContext } from '../context.ts';
import type { Db, LabelApprovalsTable } from '../db/schema.ts';
import { serverError } from '../errors.ts';
import type { Actor } from '../identity/authentication.ts';
import { requireRole } from '../identity/roles.ts';
import { newUlid } from '../ids.ts';
import { type ConversationRow, conversationFromRow, getConversation, isMember, membersOf } from '../messaging/conversation-store.ts';
import type { AccessControl } from './access.ts';
import { actorOfEvent, listSecurityEvents, recordingDenials, recordSecurityEvent } from './security-events.ts';

type ApprovalRow = Selectable<LabelApprovalsTable>;
const iso = (ms: number) => new Date(ms).toISOString();

function approvalFromRow(row: ApprovalRow): LabelApproval {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    fromLabel: row.from_label,
    toLabel: row.to_label,
    justification: row.justification,
    requestedBy: row.requested_by,
    requestedAt: iso(row.requested_at),
    status: row.status as LabelApproval['status'],
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : iso(row.decided_at),
  };
}

export class PolicyService {
  readonly #ctx: ServiceContext;
  readonly #access: AccessControl;

  constructor(ctx: ServiceContext, access: AccessControl) {
    this.#ctx = ctx;
    this.#access = access;
  }

  /** The organisation's label policy, for clients to colour banners and offer labels. */
  labelPolicy(): LabelPolicy {
    return this.#ctx.labelPolicy;
  }

  // ---- relabelling -------------------------------------------------------------------------------
  /**
   * Change a conversation's label. Raising it (the new label dominates the current one): a member
   * or a security officer who is cleared for the new label, provided every member is too (remove
   * the others first). Anything else is a downgrade: a security officer cleared for the current
   * label, with a written justification of at least 10 characters; from the policy's top level it
   * waits for a second security officer's approval (the answer is then `pending-approval`).
   */
  async relabel(actor: Actor, conversationId: string, req: RelabelRequest): Promise<RelabelResponse> {
    const next = this.#access.labels.fromRequest(req.label);
    const justification = (req.justification ?? '').trim();
    return recordingDenials(this.#ctx, actor, { action: 'relabel', target: `conversation:${conversationId}` }, () =>
      this.#ctx.db.transaction().execute(async (trx): Promise<RelabelResponse> => {
        const row = await getConversation(trx, this.#ctx.dialect, conversationId, 'update');
        if (!row) throw serverError('NOT_FOUND', 'no such conversation');
        if (row.label === next.text) throw serverError('CONFLICT', `the conversation is already labelled ${next.text}`);
        const current = this.#access.labels.stored(row.label);
        const caller = await this.#access.caller(trx, actor);
        const { engine } = this.#access;

        if (labelDominates(this.#ctx.labelPolicy, next.label, current)) {
          const member = await isMember(trx, conversationId, actor.deviceId);
          this.#access.require(
            engine.canUpgrade(caller.subject, current, next.label, { isMember: member }),
            `raising the label to ${next.text}`,
          );
          await this.#assertMembersCleared(trx, row, next.text);
          return { status: 'applied', conversation: await this.#apply(trx, actor, row, next.text, { direction: 'upgrade' }) };
        }

        const decision = engine.canDowngrade(caller.subject, current, next.label, { justification });
        if (decision.allowed) {
          return {
            status: 'applied',
            conversation: await this.#apply(trx, actor, row, next.text, {
              direction: 'downgrade',
              justificationLength: justification.length,
            }),
          };
        }
        if (decision.code !== 'APPROVAL_REQUIRED') this.#access.require(decision, `lowering the label to ${next.text}`);
        const now = this.#ctx.clock();
        const approval: ApprovalRow = {
          id: newUlid(now, this.#ctx.crypto.randomBytes),
          conversation_id: conversationId,
          from_label: row.label,
          to_label: next.text,
          justification,
          requested_by: actor.person.handle,
          requested_by_device: actor.deviceId,
          requested_at: now.getTime(),
          status: 'pending',
          decided_by: null,
          decided_at: null,
        };
        await trx.insertInto('label_approvals').values(approval).execute();
        await recordSecurityEvent(trx, this.#ctx, {
          type: 'approval',
          actor: actorOfEvent(actor),
          target: `conversation:${conversationId}`,
          code: null,
          details: { action: 'requested', approval: approval.id, from: row.label, to: next.text },
        });
        return { status: 'pending-approval', approval: approvalFromRow(approval) };
      }),
    );
  }

  /** Every member's person must be cleared for a raised label: LABEL_NOT_DOMINATED naming those who are not. */
  async #assertMembersCleared(trx: Db, row: ConversationRow, nextText: string): Promise<void> {
    const next = this.#access.labels.stored(nextText);
    const members = await membersOf(trx, row.id);
    const subjects = await this.#access.subjects(
      trx,
      members.map((m) => m.person),
    );
    const refused = [...new Set(members.map((m) => m.person))].filter((p) => {
      const s = subjects.get(p);
      return !s || !this.#access.engine.canJoin(s, next).allowed;
    });
    if (refused.length > 0) {
      throw serverError(
        'LABEL_NOT_DOMINATED',
        `raising the label to ${nextText} is refused: the clearance of ${refused.slice(0, 10).join(', ')} does not dominate it; remove their devices first`,
      );
    }
  }

  /** Write the new label, supersede pending approvals of the old one, record the change. */
  async #apply(
    trx: Db,
    actor: Actor,
    row: ConversationRow,
    nextText: string,
    details: { direction: 'upgrade' | 'downgrade'; justificationLength?: number; approval?: string; requestedBy?: string },
  ): Promise<Conversation> {
    await trx.updateTable('conversations').set({ label: nextText }).where('id', '=', row.id).execute();
    await trx
      .updateTable('label_approvals')
      .set({ status: 'superseded', decided_at: this.#ctx.clock().getTime() })
      .where('conversation_id', '=', row.id)
      .where('status', '=', 'pending')
      .where('id', '!=', details.approval ?? '')
      .execute();
    await recordSecurityEvent(trx, this.#ctx, {
      type: 'label-change',
      actor: actorOfEvent(actor),
      target: `conversation:${row.id}`,
      code: null,
      details: { from: row.label, to: nextText, ...details },
    });
    return conversationFromRow({ ...row, label: nextText }, await membersOf(trx, row.id));
  }

  // ---- two-person approvals ----------------------------------------------------------------------
  async approvals(actor: Actor, status?: LabelApproval['status']): Promise<LabelApproval[]> {
    return recordingDenials(this.#ctx, actor, { action: 'list-approvals', target: null }, async () => {
      requireRole(actor, 'security-officer');
      let q = this.#ctx.db.selectFrom('label_approvals').selectAll().orderBy('id').limit(10000);
      if (status !== undefined) q = q.where('status', '=', status);
      return (await q.execute()).map(approvalFromRow);
    });
  }

  /** A second security officer approves a pending downgrade: the policy decides it again with them as approver, and it is applied. */
  async approve(actor: Actor, approvalId: string): Promise<ApprovalDecisionResponse> {
    return recordingDenials(this.#ctx, actor, { action: 'approve', target: `approval:${approvalId}` }, () =>
      this.#ctx.db.transaction().execute(async (trx) => {
        requireRole(actor, 'security-officer');
        const approval = await this.#pending(trx, approvalId);
        const row = await getConversation(trx, this.#ctx.dialect, approval.conversation_id, 'update');
        if (!row) throw serverError('NOT_FOUND', 'the conversation of this approval no longer exists');
        if (row.label !== approval.from_label) {
          throw serverError('APPROVAL_NOT_PENDING', `the conversation is now labelled ${row.label}, not ${approval.from_label}: ask again`);
        }
        const requester = (await this.#access.subjects(trx, [approval.requested_by])).get(approval.requested_by);
        if (!requester) throw serverError('NOT_FOUND', 'the security officer who asked no longer exists');
        const approver = await this.#access.caller(trx, actor);
        const decision = this.#access.engine.canDowngrade(
          requester,
          this.#access.labels.stored(row.label),
          this.#access.labels.stored(approval.to_label),
          { justification: approval.justification, approver: approver.subject },
        );
        this.#access.require(decision, `approving the downgrade to ${approval.to_label}`);
        const decided = await this.#decide(trx, actor, approval, 'approved');
        const conversation = await this.#apply(trx, actor, row, approval.to_label, {
          direction: 'downgrade',
          justificationLength: approval.justification.length,
          approval: approval.id,
          requestedBy: approval.requested_by,
        });
        return { approval: decided, conversation };
      }),
    );
  }

  /** Any security officer (the one who asked included) turns a pending downgrade down. */
  async reject(actor: Actor, approvalId: string): Promise<ApprovalDecisionResponse> {
    return recordingDenials(this.#ctx, actor, { action: 'reject', target: `approval:${approvalId}` }, () =>
      this.#ctx.db.transaction().execute(async (trx) => {
        requireRole(actor, 'security-officer');
        const approval = await this.#pending(trx, approvalId);
        return { approval: await this.#decide(trx, actor, approval, 'rejected') };
      }),
    );
  }

  async #pending(trx: Db, id: string): Promise<ApprovalRow> {
    let q = trx.selectFrom('label_approvals').selectAll().where('id', '=', id);
    if (this.#ctx.dialect === 'postgres') q = q.forUpdate();
    const approval = await q.executeTakeFirst();
    if (!approval) throw serverError('NOT_FOUND', 'no such approval');
    if (approval.status !== 'pending') throw serverError('APPROVAL_NOT_PENDING', `this approval is already ${approval.status}`);
    return approval;
  }

  async #decide(trx: Db, actor: Actor, approval: ApprovalRow, status: 'approved' | 'rejected'): Promise<LabelApproval> {
    const now = this.#ctx.clock().getTime();
    await trx
      .updateTable('label_approvals')
      .set({ status, decided_by: actor.person.handle, decided_at: now })
      .where('id', '=', approval.id)
      .execute();
    await recordSecurityEvent(trx, this.#ctx, {
      type: 'approval',
      actor: actorOfEvent(actor),
      target: `conversation:${approval.conversation_id}`,
      code: null,
      details: {
        action: status,
        approval: approval.id,
        requestedBy: approval.requested_by,
        from: approval.from_label,
        to: approval.to_label,
      },
    });
    return approvalFromRow({ ...approval, status, decided_by: actor.person.handle, decided_at: now });
  }

  // ---- export ------------------------------------------------------------------------------------
  /**
   * May the caller export (save to file, print) content of a conversation with this label? Read
   * access to the conversation and the label, plus the export right; the export is recorded.
   */
  async authoriseExport(actor: Actor, req: ExportRequest): Promise<{ allowed: true; label: string }> {
    const label = this.#access.labels.fromRequest(req.label);
    return recordingDenials(this.#ctx, actor, { action: 'export', target: `conversation:${req.conversationId}` }, async () => {
      const { db, dialect } = this.#ctx;
      const row = await getConversation(db, dialect, req.conversationId);
      if (!row) throw serverError('NOT_FOUND', 'no such conversation');
      if (!(await isMember(db, req.conversationId, actor.deviceId))) {
        throw serverError('NOT_A_MEMBER', 'this device is not a member of the conversation');
      }
      const caller = await this.#access.caller(db, actor);
      this.#access.requireRead(caller, row.label, 'exporting from this conversation');
      if (!labelDominates(this.#ctx.labelPolicy, this.#access.labels.stored(row.label), label.label)) {
        throw serverError('LABEL_EXCEEDS_CONVERSATION', `${label.text} is not dominated by the conversation's label ${row.label}`);
      }
      this.#access.require(this.#access.engine.canExport(caller.subject, caller.device, label.label), 'exporting this content', label.text);
      await recordSecurityEvent(db, this.#ctx, {
        type: 'export',
        actor: actorOfEvent(actor),
        target: `conversation:${req.conversationId}`,
        code: null,
        details: { kind: req.kind, label: label.text, ...(req.messageId ? { message: req.messageId } : {}) },
      });
      return { allowed: true as const, label: label.text };
    });
  }

  // ---- security events ---------------------------------------------------------------------------
  async securityEvents(actor: Actor, query: { after?: string; limit?: number; type?: string }): Promise<SecurityEvents> {
    return recordingDenials(this.#ctx, actor, { action: 'read-security-events', target: null }, async () => {
      requireRole(actor, 'security-officer');
      return listSecurityEvents(this.#ctx.db, query);
    });
  }
}
