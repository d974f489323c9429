/**
 * The latest checkpoint of the audit log (size, root, origin), who signed it and which witnesses
 * cosigned it, and "Verify the whole log": every tile recomputed here from the log's entries, the
 * checkpoint's two signatures checked, and the new checkpoint proved to extend the last one this
 * device verified (audit-state.ts says where that is kept).
 */
import type { ValiseClient } from '@valise/sdk';
import { useId, useState } from 'react';
import { Alert, Status } from '../components/Notice.tsx';
import { localTime } from '../format.ts';
import { type FullAuditOutcome, lastFullAudit, verifyWholeLog } from './audit-state.ts';
import { explainForOfficer } from './errors.ts';
import { useLoaded } from './load.ts';

export function AuditCheckpoint({ client }: { client: ValiseClient }) {
  const id = useId();
  const checkpoint = useLoaded(() => client.admin.latestCheckpoint(), 'checkpoint');
  const previous = useLoaded(() => lastFullAudit(client), 'last-full-audit');
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<FullAuditOutcome>();
  const [problem, setProblem] = useState<string>();

  const verify = async () => {
    setRunning(true);
    setProblem(undefined);
    setOutcome(undefined);
    setProgress({ done: 0, total: 0 });
    try {
      setOutcome(await verifyWholeLog(client, (done, total) => setProgress({ done, total })));
      checkpoint.reload();
      previous.reload();
    } catch (err) {
      setProblem(explainForOfficer(err));
    } finally {
      setRunning(false);
    }
  };

  const cp = checkpoint.data;
  return (
    <section aria-labelledby={`${id}-h`} className="officer-section">
      <h2 id={`${id}-h`}>Latest checkpoint</h2>
      {checkpoint.error && (
        <Alert>
          The checkpoint could not be read. {checkpoint.error}{' '}
          <button type="button" onClick={checkpoint.reload}>
            Try again
          </button>
        </Alert>
      )}
      {cp && (
        <>
          <dl className="facts">
            <div>
              <dt>Entries</dt>
              <dd>{cp.size}</dd>
            </div>
            <div>
              <dt>Log (origin)</dt>
              <dd className="mono">{cp.origin}</dd>
            </div>
            <div className="wide">
              <dt>Root hash</dt>
              <dd className="mono">{cp.root}</dd>
            </div>
            <div>
              <dt>Signed by the log</dt>
              <dd>
                {cp.logSignatures.length} signature{cp.logSignatures.length === 1 ? '' : 's'} (Ed25519 and ML-DSA-44), key IDs{' '}
                <span className="mono">{cp.logSignatures.map((s) => s.keyId).join(', ')}</span>
              </dd>
            </div>
          </dl>
          <h3>Witnesses</h3>
          {cp.witnesses.length === 0 ? (
            <p className="empty-inline">
              No witness has cosigned this checkpoint: only the log’s own signatures vouch for it. Ask your operator to configure witnesses
              (partner states or independent auditors, witnesses.json) so that a log showing different histories to different people is
              caught.
            </p>
          ) : (
            <ul className="plain-list" aria-label="Witness cosignatures">
              {cp.witnesses.map((w) => (
                <li key={`${w.name}-${w.keyId}`}>
                  <strong className="mono">{w.name}</strong> <span className="subtle">key ID {w.keyId}</span>
                  {w.cosignedAt && <span className="subtle"> · cosigned {localTime(w.cosignedAt)}</span>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <h3>Verify the whole log</h3>
      <p className="help">
        Downloads every tile and entry of the log and recomputes the tree in this browser, checks that it adds up to the signed root, and
        that the log extends the last one this device verified — nothing removed, nothing rewritten. What was verified is remembered in this
        device’s encrypted storage (IndexedDB).
      </p>
      {previous.data && !outcome && (
        <p>
          Last verified in full on {localTime(previous.data.verifiedAt)}: {previous.data.size} entries.
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary" disabled={running} onClick={() => void verify()}>
          {running ? 'Verifying…' : 'Verify the whole log'}
        </button>
      </div>
      {progress && running && (
        <div className="field">
          <label htmlFor={`${id}-progress`}>Tiles checked</label>
          <progress id={`${id}-progress`} max={progress.total || 1} value={progress.done}>
            {progress.done} of {progress.total}
          </progress>
          <span className="help">
            {' '}
            {progress.done} of {progress.total || '…'}
          </span>
        </div>
      )}
      {problem && <Alert>The log did not verify. {problem}</Alert>}
      {outcome && (
        <Status tone="success">
          The whole log verifies: {outcome.result.size} entries in {outcome.result.tilesChecked} tiles add up to the signed root, and both
          log signatures are valid.{' '}
          {outcome.previous
            ? `It is consistent with the ${outcome.previous.size} entries ${
                outcome.previous.source === 'full-verification'
                  ? 'this device verified in full before'
                  : 'this device had already verified (no earlier full verification)'
              }: nothing was removed or rewritten.`
            : 'This is the first verification on this device: its checkpoint is now the reference for the next one.'}
        </Status>
      )}
    </section>
  );
}
