/**
 * What the services ask before they return or route content: the caller's policy subject read
 * afresh (effective clearance at the decision's time, the device's revocation), the labels, the
 * engine's decision, and a 403 with the decision's code and a plain explanation when it says no.
 */
import type { SecurityLabel } from '@valise/protocol';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../db/schema.ts';
import { serverError } from '../errors.ts';
import type { Actor } from '../identity/authentication.ts';
import { loadSubjects, type PolicySubject } from '../identity/people.ts';
import type { DenialCode, PolicyDecision, PolicyDevice, PolicyEngine } from './engine.ts';
import type { Labels } from './labels.ts';

const WHY: Record<DenialCode, string> = {
  LABEL_NOT_DOMINATED: 'the clearance does not dominate the label (its level, every compartment, and the nationality when it has REL TO)',
  LABEL_EXCEEDS_CONVERSATION: "the message's label is not dominated by the conversation's label",
  DEVICE_REVOKED: 'the device has been revoked',
  CLEARANCE_EXPIRED: 'the clearance has expired',
  EXPORT_NOT_PERMITTED: 'exporting needs the export right (security officers, or a clearance granted with mayExport)',
  RELABEL_NOT_PERMITTED: 'only a member of the conversation or a security officer may raise its label',
  DOWNGRADE_NOT_PERMITTED: 'only a security officer may lower or loosen a label',
  JUSTIFICATION_REQUIRED: 'a downgrade needs a written justification of at least 10 characters',
  APPROVAL_REQUIRED: 'lowering a label of the top level needs the approval of a second security officer',
  SECOND_OFFICER_REQUIRED: 'lowering a label of the top level needs a second, different security officer who is cleared for it',
};

export class AccessControl {
  readonly labels: Labels;
  readonly engine: PolicyEngine;
  readonly #ctx: ServiceContext;

  constructor(ctx: ServiceContext, labels: Labels, engine: PolicyEngine) {
    this.#ctx = ctx;
    this.labels = labels;
    this.engine = engine;
  }

  /**
   * The caller as the policy sees them: the person's effective clearance and roles as of this
   * request's authentication, and their device, which authentication found live (a revoked
   * device's sessions end at once). Async, and given the database, so that a caller read afresh
   * stays a local change here.
   */
  async caller(_db: Db, actor: Actor): Promise<{ subject: PolicySubject; device: PolicyDevice }> {
    return { subject: actor.subject, device: { id: actor.deviceId, revoked: false } };
  }

  async subjects(db: Db, handles: readonly string[]): Promise<Map<string, PolicySubject>> {
    return loadSubjects(db, this.#ctx.labelPolicy, this.#ctx.clock(), handles);
  }

  /** Throw the 403 of a refusal: "`what` is refused: why (label)". */
  require(decision: PolicyDecision, what: string, label?: string): void {
    if (decision.allowed) return;
    throw serverError(
      decision.code === 'APPROVAL_REQUIRED' ? 'SECOND_OFFICER_REQUIRED' : decision.code,
      `${what} is refused: ${WHY[decision.code]}${label ? ` (${label})` : ''}`,
    );
  }

  /** May this caller read content labelled with this stored label text? A label that no longer parses admits no one. */
  readable(caller: { subject: PolicySubject; device: PolicyDevice }, labelText: string): PolicyDecision {
    let label: SecurityLabel;
    try {
      label = this.labels.stored(labelText);
    } catch {
      return { allowed: false, code: 'LABEL_NOT_DOMINATED', reasons: [] };
    }
    return this.engine.canRead(caller.subject, caller.device, label);
  }

  /** Refuse unless the caller may read content with this stored label. */
  requireRead(caller: { subject: PolicySubject; device: PolicyDevice }, labelText: string, what: string): void {
    this.require(this.readable(caller, labelText), what, labelText);
  }
}
