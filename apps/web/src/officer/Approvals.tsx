/**
 * Two-person approvals: downgrades of TOP SECRET conversations wait for a second security officer.
 * Each shows what (from → to), who asked, when and why; the officer approves or rejects. The one
 * who asked cannot approve their own request (the policy says so; the screen says why first).
 */
import type { ValiseClient } from '@valise/sdk';
import { clearanceDominates, type Person, parseLabel } from '@valise/sdk/browser';
import { useState } from 'react';
import { LabelChip } from '../components/Marking.tsx';
import { Alert, Status } from '../components/Notice.tsx';
import { localTime } from '../format.ts';
import { useLabelPolicy } from '../labels.ts';
import { useMe } from '../me.ts';
import { refreshBadges } from './badges.ts';
import { explainForOfficer } from './errors.ts';
import { useLoaded } from './load.ts';
import type { LabelApproval } from './types.ts';

export function ApprovalsView({ client }: { client: ValiseClient }) {
  const loaded = useLoaded(async () => {
    const [pending, approved, rejected, people] = await Promise.all([
      client.approvals('pending'),
      client.approvals('approved'),
      client.approvals('rejected'),
      client.people(),
    ]);
    const decided = [...approved, ...rejected].sort((a, b) => (b.decidedAt ?? '').localeCompare(a.decidedAt ?? '')).slice(0, 20);
    return { pending, decided, names: new Map(people.map((p) => [p.handle, p.name])) };
  }, 'approvals');
  const me = useMe(client);
  const [outcome, setOutcome] = useState<string>();
  const nameOf = (h: string | null) => (h ? (loaded.data?.names.get(h) ?? h) : 'nobody');
  const decided = (text: string) => {
    setOutcome(text);
    loaded.reload();
    refreshBadges(client);
  };

  return (
    <div className="officer-view">
      <h1>Approvals</h1>
      <p className="lead">
        Lowering a TOP SECRET label needs two security officers: one asks with a justification, a second approves. Nothing is applied until
        then.
      </p>
      {outcome && <Status tone="success">{outcome}</Status>}
      {loaded.error && (
        <Alert>
          The approvals could not be loaded. {loaded.error}{' '}
          <button type="button" onClick={loaded.reload}>
            Try again
          </button>
        </Alert>
      )}
      {loaded.loading && !loaded.data && <Status>Loading approvals…</Status>}
      {loaded.data && (
        <>
          <h2>Waiting ({loaded.data.pending.length})</h2>
          {loaded.data.pending.length === 0 ? (
            <div className="empty">
              <p>Nothing is waiting for a second officer. Requests to lower a TOP SECRET label appear here.</p>
            </div>
          ) : (
            <ul className="plain-list">
              {loaded.data.pending.map((a) => (
                <Pending key={a.id} client={client} me={me.person} approval={a} nameOf={nameOf} onDecided={decided} />
              ))}
            </ul>
          )}
          <h2>Recently decided</h2>
          {loaded.data.decided.length === 0 ? (
            <p className="empty-inline">No downgrade has been approved or rejected yet.</p>
          ) : (
            <ul className="plain-list">
              {loaded.data.decided.map((a) => (
                <li key={a.id} className="card">
                  <Summary approval={a} nameOf={nameOf} />
                  <p>
                    <strong>{a.status === 'approved' ? 'Approved' : 'Rejected'}</strong> by {nameOf(a.decidedBy)}
                    {a.decidedAt ? `, ${localTime(a.decidedAt)}` : ''}.
                  </p>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

function Summary({ approval: a, nameOf }: { approval: LabelApproval; nameOf: (h: string | null) => string }) {
  return (
    <>
      <p className="approval-what">
        Lower conversation <code className="id">{a.conversationId.slice(0, 12)}…</code> from <LabelChip label={a.fromLabel} /> to{' '}
        <LabelChip label={a.toLabel} />
      </p>
      <p>
        Asked by <strong>{nameOf(a.requestedBy)}</strong> on {localTime(a.requestedAt)}. Justification: “{a.justification}”
      </p>
    </>
  );
}

function Pending({
  client,
  me,
  approval: a,
  nameOf,
  onDecided,
}: {
  client: ValiseClient;
  me: Person | undefined;
  approval: LabelApproval;
  nameOf: (h: string | null) => string;
  onDecided: (text: string) => void;
}) {
  const { policy } = useLabelPolicy();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const own = a.requestedBy === client.identity.person.handle;
  // The approver must be cleared for the label being lowered (the policy checks it again).
  let notCleared: string | undefined;
  if (policy && me) {
    try {
      const label = parseLabel(policy, a.fromLabel);
      const clearance = { level: me.clearance, compartments: me.compartments, nationality: me.nationality };
      if (!clearanceDominates(policy, clearance, label))
        notCleared = `Your clearance does not cover ${a.fromLabel}, so you cannot approve it.`;
    } catch {
      // An unreadable label: the server decides.
    }
  }
  const decide = async (how: 'approve' | 'reject') => {
    setBusy(true);
    setProblem(undefined);
    try {
      const out = how === 'approve' ? await client.approve(a.id) : await client.reject(a.id);
      onDecided(
        how === 'approve'
          ? `Approved: the conversation is now ${out.conversation?.label ?? a.toLabel}.`
          : `Rejected: the conversation stays ${a.fromLabel}.`,
      );
    } catch (err) {
      setProblem(explainForOfficer(err));
    } finally {
      setBusy(false);
    }
  };
  const why = own
    ? 'You asked for this downgrade, so you cannot approve it: a second security officer must (two-person rule). You may withdraw it by rejecting it.'
    : notCleared;
  return (
    <li className="card">
      <Summary approval={a} nameOf={nameOf} />
      {why && (
        <p className="why-not" id={`why-${a.id}`}>
          {why}
        </p>
      )}
      {problem && <Alert>{problem}</Alert>}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy || Boolean(why)}
          aria-describedby={why ? `why-${a.id}` : undefined}
          onClick={() => void decide('approve')}
        >
          Approve downgrade
        </button>
        <button type="button" disabled={busy} onClick={() => void decide('reject')}>
          Reject
        </button>
      </div>
    </li>
  );
}
