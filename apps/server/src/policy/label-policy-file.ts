/**
 * The organisation's label policy at start-up: DATA_DIR/label-policy.json when it exists (the
 * organisation's own levels, colours and categories), otherwise the protocol's default (the demo
 * ministry's). A file that is not JSON or not a valid policy stops the server with a message that
 * names the file and every problem (parseLabelPolicy lists them by path).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LABEL_POLICY, type LabelPolicy, parseLabelPolicy, ValiseError } from '@valise/protocol';

export const LABEL_POLICY_FILE_NAME = 'label-policy.json';

export class LabelPolicyFileError extends Error {}

/** The label policy in force for a data folder, and where it came from (a path, or "default"). */
export function loadLabelPolicy(dataDir: string): { policy: LabelPolicy; source: string } {
  const file = join(dataDir, LABEL_POLICY_FILE_NAME);
  if (!existsSync(file)) return { policy: DEFAULT_LABEL_POLICY, source: 'default' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LabelPolicyFileError(`cannot read the label policy ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LabelPolicyFileError(`the label policy ${file} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return { policy: parseLabelPolicy(json), source: file };
  } catch (err) {
    if (err instanceof ValiseError) throw new LabelPolicyFileError(`the label policy ${file} is refused: ${err.message}`);
    throw err;
  }
}
