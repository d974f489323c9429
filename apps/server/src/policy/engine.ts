/**
 * The policy engine: typed questions ("may this device read content with this label?") turned
 * into Cedar requests against the pre-parsed policy set of valise.cedar. The rules live in the
 * .cedar file, not here: this class only states the facts (label ranks and categories, the
 * effective clearance, the device) and maps a refusal to the server's error code.
 *
 * Cedar ignores a policy whose evaluation errors; for a forbid that would mean allowing, so any
 * evaluation error is a denial here (fail closed).
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { type LabelPolicy, levelRank, releasableCountries, type SecurityLabel } from '@valise/protocol';
import { serverError } from '../errors.ts';
import type { PolicySubject } from '../identity/people.ts';
import { CEDAR_POLICY_SET_ID, CEDAR_SCHEMA_NAME, loadCedar } from './cedar.ts';

export type PolicyAction = 'read' | 'export' | 'send' | 'join' | 'upgrade' | 'downgrade';

/** Why a request was refused; each is a 403 (see errors.ts). */
export type DenialCode =
  | 'LABEL_NOT_DOMINATED'
  | 'LABEL_EXCEEDS_CONVERSATION'
  | 'DEVICE_REVOKED'
  | 'CLEARANCE_EXPIRED'
  | 'EXPORT_NOT_PERMITTED'
  | 'DOWNGRADE_NOT_PERMITTED'
  | 'RELABEL_NOT_PERMITTED'
  | 'JUSTIFICATION_REQUIRED'
  | 'APPROVAL_REQUIRED'
  | 'SECOND_OFFICER_REQUIRED';

export type PolicyDecision = { allowed: true } | { allowed: false; code: DenialCode; reasons: string[] };

export interface PolicyDevice {
  id: string;
  revoked: boolean;
}

/** The forbids of valise.cedar by @id, most telling first: the first that fired names the refusal. */
const FORBID_CODES: [string, DenialCode | ((hasApprover: boolean) => DenialCode)][] = [
  ['device-revoked', 'DEVICE_REVOKED'],
  ['device-owner-clearance-expired', 'CLEARANCE_EXPIRED'],
  ['person-clearance-expired', 'CLEARANCE_EXPIRED'],
  ['export-needs-read-access', 'LABEL_NOT_DOMINATED'],
  ['upgrade-needs-clearance', 'LABEL_NOT_DOMINATED'],
  ['upgrade-must-tighten', 'LABEL_NOT_DOMINATED'],
  ['downgrade-needs-clearance', 'LABEL_NOT_DOMINATED'],
  ['message-exceeds-conversation', 'LABEL_EXCEEDS_CONVERSATION'],
  ['downgrade-needs-justification', 'JUSTIFICATION_REQUIRED'],
  ['downgrade-top-needs-second-officer', (hasApprover) => (hasApprover ? 'SECOND_OFFICER_REQUIRED' : 'APPROVAL_REQUIRED')],
];

/** When no permit applied (and no forbid fired): the refusal of each action. */
const NO_PERMIT_CODES: Record<PolicyAction, DenialCode> = {
  read: 'LABEL_NOT_DOMINATED',
  send: 'LABEL_NOT_DOMINATED',
  join: 'LABEL_NOT_DOMINATED',
  export: 'EXPORT_NOT_PERMITTED',
  upgrade: 'RELABEL_NOT_PERMITTED',
  downgrade: 'DOWNGRADE_NOT_PERMITTED',
};

type Uid = { type: string; id: string };
type EntityJson = cedar.EntityJson;
type Facts = { rank: number; compartments: string[]; restricted: boolean; admits: string[] };

const ALLOWED: PolicyDecision = { allowed: true };

export class PolicyEngine {
  readonly #policy: LabelPolicy;
  readonly #clock: () => Date;
  /** Request validation against the schema (on by default; the benchmark measures it off too). */
  readonly #validate: boolean;

  constructor(policy: LabelPolicy, clock: () => Date, options: { validateRequests?: boolean } = {}) {
    loadCedar();
    this.#policy = policy;
    this.#clock = clock;
    this.#validate = options.validateRequests ?? true;
  }

  /** Read content labelled `label`: clearance dominates it, clearance not expired, device not revoked. */
  canRead(person: PolicySubject, device: PolicyDevice, label: SecurityLabel): PolicyDecision {
    return this.#decide('read', this.#device(person, device), this.#label(label), {});
  }

  /** Be a member of (create, or be added to) a conversation labelled `conversationLabel`. */
  canJoin(person: PolicySubject, conversationLabel: SecurityLabel): PolicyDecision {
    return this.#decide('join', this.#person(person), this.#label(conversationLabel), {});
  }

  /** Send a message labelled `messageLabel` into a conversation labelled `conversationLabel`. */
  canSend(person: PolicySubject, device: PolicyDevice, conversationLabel: SecurityLabel, messageLabel: SecurityLabel): PolicyDecision {
    return this.#decide('send', this.#device(person, device), this.#label(messageLabel), { conversation: this.#facts(conversationLabel) });
  }

  /** Raise a conversation's label from `current` to `next` (which must dominate it). */
  canUpgrade(person: PolicySubject, current: SecurityLabel, next: SecurityLabel, options: { isMember: boolean }): PolicyDecision {
    return this.#decide('upgrade', this.#person(person), this.#label(next), { current: this.#facts(current), isMember: options.isMember });
  }

  /**
   * Lower (or loosen) a conversation's label from `current` to `next`: a security officer with a
   * written justification; from the top level, also a second security officer's approval.
   */
  canDowngrade(
    person: PolicySubject,
    current: SecurityLabel,
    next: SecurityLabel,
    options: { justification: string; approver?: PolicySubject },
  ): PolicyDecision {
    const principal = this.#person(person);
    const context: Record<string, cedar.CedarValueJson> = {
      current: this.#facts(current),
      topRank: this.#policy.levels.length - 1,
      justificationLength: options.justification.trim().length,
    };
    const extra: EntityJson[] = [];
    if (options.approver) {
      context.approver = { __entity: personUid(options.approver.handle) };
      if (options.approver.handle !== person.handle) extra.push(...this.#person(options.approver).entities);
    }
    const decision = this.#decide(
      'downgrade',
      { ...principal, entities: [...principal.entities, ...extra] },
      this.#label(next),
      context,
      options.approver !== undefined,
    );
    if (decision.allowed || (decision.code !== 'APPROVAL_REQUIRED' && decision.code !== 'SECOND_OFFICER_REQUIRED')) return decision;
    // Only the two-person rule stood in the way? Ask again without it: if something else refuses
    // (not a security officer at all), that is the answer, and no approval is to be asked for.
    const { approver: _approver, ...single } = context;
    const alone = this.#decide('downgrade', principal, this.#label(next), { ...single, topRank: Number.MAX_SAFE_INTEGER });
    return alone.allowed ? decision : alone;
  }

  /** Export (save to file, print) content labelled `label`: read access plus the export right. */
  canExport(person: PolicySubject, device: PolicyDevice, label: SecurityLabel): PolicyDecision {
    return this.#decide('export', this.#device(person, device), this.#label(label), {});
  }

  // ---- facts -------------------------------------------------------------------------------------
  #facts(label: SecurityLabel): Facts {
    const admitted = releasableCountries(this.#policy, label);
    return {
      rank: levelRank(this.#policy, label.classification),
      compartments: [...label.compartments],
      restricted: admitted !== undefined,
      admits: admitted ? [...admitted] : [],
    };
  }

  #label(label: SecurityLabel): { uid: Uid; entity: EntityJson } {
    const uid = { type: 'Valise::Label', id: 'content' };
    return { uid, entity: { uid, attrs: this.#facts(label), parents: [] } };
  }

  #personEntity(person: PolicySubject): EntityJson {
    const c = person.clearance;
    const attrs: Record<string, cedar.CedarValueJson> = {
      clearanceRank: levelRank(this.#policy, c.level),
      compartments: [...c.compartments],
      nationality: c.nationality,
      roles: [...person.roles],
      mayExport: c.mayExport,
    };
    if (c.expiresAt !== null) attrs.clearanceExpiresAt = c.expiresAt;
    return { uid: personUid(person.handle), attrs, parents: [] };
  }

  #person(person: PolicySubject): { uid: Uid; entities: EntityJson[] } {
    return { uid: personUid(person.handle), entities: [this.#personEntity(person)] };
  }

  #device(person: PolicySubject, device: PolicyDevice): { uid: Uid; entities: EntityJson[] } {
    const uid = { type: 'Valise::Device', id: device.id };
    return {
      uid,
      entities: [
        { uid, attrs: { owner: { __entity: personUid(person.handle) }, revoked: device.revoked }, parents: [] },
        this.#personEntity(person),
      ],
    };
  }

  // ---- the decision ------------------------------------------------------------------------------
  #decide(
    action: PolicyAction,
    principal: { uid: Uid; entities: EntityJson[] },
    resource: { uid: Uid; entity: EntityJson },
    context: Record<string, cedar.CedarValueJson>,
    hasApprover = false,
  ): PolicyDecision {
    const answer = cedar.statefulIsAuthorized({
      principal: principal.uid,
      action: { type: 'Valise::Action', id: action },
      resource: resource.uid,
      context: { now: this.#clock().getTime(), ...context },
      entities: [...principal.entities, resource.entity],
      preparsedPolicySetId: CEDAR_POLICY_SET_ID,
      preparsedSchemaName: CEDAR_SCHEMA_NAME,
      validateRequest: this.#validate,
    });
    if (answer.type !== 'success') {
      // A request the schema refuses is a bug here, never the caller's fault: fail closed, loudly.
      throw serverError('INTERNAL', `policy request refused by Cedar: ${answer.errors.map((e) => e.message).join('; ')}`);
    }
    const { decision, diagnostics } = answer.response;
    if (decision === 'allow' && diagnostics.errors.length === 0) return ALLOWED;
    const reasons = decision === 'deny' ? diagnostics.reason : [];
    if (diagnostics.errors.length > 0) {
      throw serverError(
        'INTERNAL',
        `policy evaluation failed: ${diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).join('; ')}`,
      );
    }
    for (const [id, code] of FORBID_CODES) {
      if (reasons.includes(id)) return { allowed: false, code: typeof code === 'function' ? code(hasApprover) : code, reasons };
    }
    return { allowed: false, code: NO_PERMIT_CODES[action], reasons };
  }
}

function personUid(handle: string): Uid {
  return { type: 'Valise::Person', id: handle };
}
