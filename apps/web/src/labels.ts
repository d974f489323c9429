/**
 * Classification levels of the default scheme, their order and their banner colours. Colours follow
 * the usual conventions (green, blue, red, orange) with text colours chosen for WCAG AA contrast;
 * the level is always written out too, so nothing depends on colour alone.
 */
export const LEVELS = ['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET'] as const;
export type Level = (typeof LEVELS)[number];

/** Suggestions for the label field: the levels, and common releasability markings. */
export const LABEL_SUGGESTIONS = [
  ...LEVELS,
  'RESTRICTED REL TO EU',
  'CONFIDENTIAL REL TO NATO',
  'SECRET REL TO NATO',
  'SECRET NOFORN',
  'TOP SECRET NOFORN',
];

/** The label grammar the server accepts (LabelText in the wire schema). */
export const LABEL_PATTERN = /^[A-Z0-9][A-Z0-9 ,/()._-]*$/;

/** The classification level a label starts with, if it is one of the default scheme's. */
export function levelOf(label: string): Level | undefined {
  const text = label.trim().toUpperCase();
  // Longest first, so TOP SECRET is not read as SECRET.
  return [...LEVELS]
    .sort((a, b) => b.length - a.length)
    .find((level) => text === level || text.startsWith(`${level} `) || text.startsWith(`${level}/`) || text.startsWith(`${level},`));
}

/** Rank of a level (0 = UNCLASSIFIED), or -1 when unknown. */
export function levelRank(level: string | undefined): number {
  return level ? LEVELS.indexOf(level.trim().toUpperCase() as Level) : -1;
}

/** CSS modifier for a label's banner and chip. */
export function labelTone(label: string): 'unclassified' | 'restricted' | 'secret' | 'top-secret' | 'unknown' {
  switch (levelOf(label)) {
    case 'UNCLASSIFIED':
      return 'unclassified';
    case 'RESTRICTED':
    case 'CONFIDENTIAL':
      return 'restricted';
    case 'SECRET':
      return 'secret';
    case 'TOP SECRET':
      return 'top-secret';
    default:
      return 'unknown';
  }
}
