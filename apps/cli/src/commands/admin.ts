import { ValiseError } from '@valise/protocol';
import type { Command } from 'commander';
import { emit } from '../output.ts';
import { list, withClient } from './context.ts';

const UNIT_KINDS = ['headquarters', 'embassy', 'mission', 'department'] as const;
const ROLES = ['user', 'security-officer', 'admin'] as const;

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('units, people and enrolment codes (administrators and security officers)');

  admin
    .command('units')
    .description('list the organisation’s units')
    .action(
      withClient(async (client, g) => {
        const units = await client.units();
        emit(g, units, () => units.map((u) => `${u.handle.padEnd(44)} ${u.kind.padEnd(13)} ${u.name}`).join('\n'));
      }),
    );

  admin
    .command('people')
    .description('list people with their clearances')
    .action(
      withClient(async (client, g) => {
        const people = await client.admin.people();
        emit(g, people, () =>
          people.map((p) => `${p.handle.padEnd(40)} ${p.clearance.padEnd(13)} ${p.roles.join(',').padEnd(24)} ${p.unit}`).join('\n'),
        );
      }),
    );

  admin
    .command('unit-create')
    .description('create a unit (headquarters, embassy, mission, department)')
    .requiredOption('--handle <handle>', 'e.g. embassy-ruritania@mfa.freedonia.example')
    .requiredOption('--name <name>', 'e.g. "Embassy in Ruritania"')
    .requiredOption('--kind <kind>', UNIT_KINDS.join(' | '))
    .action(
      withClient(async (client, g, opts: { handle: string; name: string; kind: string }) => {
        if (!UNIT_KINDS.includes(opts.kind as (typeof UNIT_KINDS)[number])) {
          throw new ValiseError('BAD_ARGUMENT', `--kind must be one of ${UNIT_KINDS.join(', ')}`);
        }
        const unit = await client.admin.createUnit({
          handle: opts.handle,
          name: opts.name,
          kind: opts.kind as (typeof UNIT_KINDS)[number],
        });
        emit(g, unit, () => `Created unit ${unit.handle}`);
      }),
    );

  admin
    .command('person-create')
    .description('create a person')
    .requiredOption('--handle <handle>', 'e.g. grace@mfa.freedonia.example')
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--unit <handle>', 'their unit')
    .requiredOption('--clearance <level>', 'e.g. SECRET')
    .option('--roles <roles>', `comma separated: ${ROLES.join(', ')}`, 'user')
    .option('--compartments <list>', 'comma separated compartments', '')
    .option('--nationality <code>', 'ISO 3166 alpha-3', 'FRD')
    .action(
      withClient(async (client, g, opts: Record<string, string>) => {
        const roles = list(opts.roles);
        for (const r of roles) if (!ROLES.includes(r as (typeof ROLES)[number])) throw new ValiseError('BAD_ARGUMENT', `unknown role ${r}`);
        const person = await client.admin.createPerson({
          handle: String(opts.handle),
          name: String(opts.name),
          unit: String(opts.unit),
          clearance: String(opts.clearance),
          roles: roles as (typeof ROLES)[number][],
          compartments: list(opts.compartments),
          nationality: String(opts.nationality),
        });
        emit(g, person, () => `Created ${person.name} <${person.handle}>`);
      }),
    );

  admin
    .command('enrolment-code')
    .alias('code')
    .description('issue a one-time, expiring enrolment code for a person (security officers)')
    .argument('<person>', 'the person’s handle')
    .option('--ttl <seconds>', 'validity in seconds (default 7 days)')
    .action(
      withClient(async (client, g, person: string, opts: { ttl?: string }) => {
        const ttl = opts.ttl === undefined ? undefined : Number(opts.ttl);
        if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 60))
          throw new ValiseError('BAD_ARGUMENT', '--ttl must be a whole number of seconds ≥ 60');
        const code = await client.admin.issueEnrolmentCode(person, ttl);
        emit(g, code, () => `Enrolment code for ${code.person}: ${code.code}  (expires ${code.expiresAt})`);
      }),
    );

  admin
    .command('clearance-grant')
    .description('grant or change a person’s clearance, with expiry and reason (security officers)')
    .argument('<person>', 'the person’s handle')
    .requiredOption('--level <level>', 'e.g. SECRET')
    .requiredOption('--reason <text>', 'why (recorded)')
    .option('--compartments <list>', 'comma separated compartments', '')
    .option('--nationality <code>', 'ISO 3166 alpha-3', 'FRD')
    .option('--expires <date>', 'expiry, ISO 8601 date or date-time')
    .option('--days <n>', 'or: valid for this many days', '365')
    .option('--may-export', 'also grant the export right (save to file, print)', false)
    .action(
      withClient(async (client, g, person: string, opts: Record<string, string | boolean>) => {
        const expiresAt = opts.expires ? new Date(String(opts.expires)) : new Date(Date.now() + Number(opts.days) * 86_400_000);
        if (Number.isNaN(expiresAt.getTime())) throw new ValiseError('BAD_ARGUMENT', '--expires must be a date such as 2027-06-30');
        const grant = await client.admin.grantClearance({
          person,
          level: String(opts.level).toUpperCase(),
          compartments: list(String(opts.compartments)).map((c) => c.toUpperCase()),
          nationality: String(opts.nationality).toUpperCase(),
          expiresAt: expiresAt.toISOString(),
          reason: String(opts.reason),
          mayExport: Boolean(opts.mayExport),
        });
        emit(
          g,
          grant,
          () =>
            `Granted ${grant.level}${grant.compartments.length ? `//${grant.compartments.join('/')}` : ''} to ${grant.person} until ${grant.expiresAt} (grant ${grant.id})`,
        );
      }),
    );

  admin
    .command('clearance-revoke')
    .description('revoke a clearance grant at once (security officers)')
    .argument('<grantId>', 'the grant’s id (see admin clearances PERSON)')
    .requiredOption('--reason <text>', 'why (recorded)')
    .action(
      withClient(async (client, g, grantId: string, opts: { reason: string }) => {
        const grant = await client.admin.revokeClearance(grantId, opts.reason);
        emit(g, grant, () => `Revoked grant ${grant.id} of ${grant.person} (${grant.level})`);
      }),
    );

  admin
    .command('clearances')
    .description('a person’s effective clearance, grants and history (security officers)')
    .argument('<person>', 'the person’s handle')
    .action(
      withClient(async (client, g, person: string) => {
        const c = await client.admin.clearances(person);
        emit(g, c, () =>
          [
            `${c.person}: ${c.effective.level}${c.effective.compartments.length ? `//${c.effective.compartments.join('/')}` : ''} (${c.effective.nationality})` +
              (c.effective.baseline ? ' — baseline, no grant in force' : ` until ${c.effective.expiresAt}`),
            ...c.grants.map(
              (gr) =>
                `  ${gr.id}  ${gr.status.padEnd(10)} ${gr.level.padEnd(13)} granted ${gr.grantedAt} by ${gr.grantedBy ?? 'the server'}: ${gr.reason}`,
            ),
          ].join('\n'),
        );
      }),
    );

  admin
    .command('security-events')
    .description('recorded security events: denials, label changes, grants, approvals (security officers)')
    .option('--type <type>', 'only this type of event')
    .option('--limit <n>', 'at most this many', '100')
    .action(
      withClient(async (client, g, opts: { type?: string; limit: string }) => {
        const out = await client.admin.securityEvents({ limit: Number(opts.limit), ...(opts.type ? { type: opts.type } : {}) });
        emit(g, out, () => out.events.map((e) => `${e.at}  ${e.type.padEnd(16)} ${JSON.stringify(e)}`).join('\n') || 'No events.');
      }),
    );
}
