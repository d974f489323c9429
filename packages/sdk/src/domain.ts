/**
 * What an application needs from the protocol, re-exported so that apps depend on the SDK alone:
 * the domain types and errors, and for labels the policy's levels and colours, the canonical text,
 * and who may read or write what. Both SDK entry points (Node and browser) export this.
 */
export type { ClearanceProfile, Device, LabelLevel, LabelPolicy, Me, Organisation, Person, SecurityLabel, Unit } from '@valise/protocol';
export {
  clearanceDominates,
  DEFAULT_LABEL_POLICY,
  formatLabel,
  hasCode,
  LIMITS,
  levelRank,
  levelStyle,
  parseLabel,
  releasableCountries,
  ValiseError,
  writableCompartments,
  writableLevels,
} from '@valise/protocol';
