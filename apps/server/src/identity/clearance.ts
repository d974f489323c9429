/** The organisation's classification scheme; the full label model arrives with policy. */
export const DEFAULT_CLEARANCE_LEVELS = ['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET'] as const;

export function isClearanceLevel(name: string): boolean {
  return (DEFAULT_CLEARANCE_LEVELS as readonly string[]).includes(name);
}
