/** Opening the profile named by --profile, asking for the passphrase only when it is needed. */
import { ValiseError } from '@valise/protocol';
import type { ValiseClient } from '@valise/sdk';
import { enrolProfile, openProfile, valiseHome } from '@valise/sdk/node';
import type { GlobalOptions } from './output.ts';

export async function askPassphrase(): Promise<string> {
  const fromEnv = process.env.VALISE_PASSPHRASE;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new ValiseError('PASSPHRASE_REQUIRED', 'no passphrase: VALISE_PASSPHRASE is not set and there is no terminal to ask');
  }
  process.stderr.write('Passphrase for this profile: ');
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          reject(new ValiseError('CANCELLED', 'cancelled'));
          return;
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export function openClient(options: GlobalOptions): Promise<ValiseClient> {
  return openProfile({ home: valiseHome(), name: options.profile, passphrase: askPassphrase });
}

export function enrolClient(options: GlobalOptions, input: { serverUrl: string; code: string; deviceName: string }) {
  return enrolProfile({ home: valiseHome(), name: options.profile, passphrase: askPassphrase, ...input });
}
