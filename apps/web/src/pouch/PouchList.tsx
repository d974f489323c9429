/**
 * The pouch lists: inbox (to this person's unit, the label allowing), sent (by this person), and for
 * security officers missing (overdue hops). Each row shows the external marks, the status and the
 * current holder. A live push (delivered, handed over, missing) refreshes the list.
 */
import type { ValiseClient } from '@valise/sdk';
import type { PouchSummary } from '@valise/sdk/browser';
import { useCallback, useEffect, useId, useState } from 'react';
import { LabelChip } from '../components/Marking.tsx';
import { Status } from '../components/Notice.tsx';
import type { Directory } from '../directory.ts';
import { byteSize, localTime } from '../format.ts';
import { type PouchProblem, pouchProblem } from './errors.ts';
import { usePouchEvents } from './live.ts';
import { ProblemAlert, StatusBadge } from './parts.tsx';
import './pouch.css';

export type PouchBox = 'inbox' | 'sent' | 'missing';

const TITLES: Record<PouchBox, string> = { inbox: 'Inbox', sent: 'Sent', missing: 'Missing' };
const EVENTS = { delivered: 'arrived', handover: 'was signed for', missing: 'is missing' } as const;

export function PouchList({ client, directory, isOfficer }: { client: ValiseClient; directory: Directory; isOfficer: boolean }) {
  const [box, setBox] = useState<PouchBox>('inbox');
  const [pouches, setPouches] = useState<PouchSummary[]>();
  const [problem, setProblem] = useState<PouchProblem>();
  const [announcement, setAnnouncement] = useState('');
  const [loading, setLoading] = useState(false);
  const id = useId();
  const boxes: PouchBox[] = isOfficer ? ['inbox', 'sent', 'missing'] : ['inbox', 'sent'];

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const list = await client.pouch.transport.list(box);
      setPouches(list.slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
      setProblem(undefined);
      return list;
    } catch (err) {
      setProblem(pouchProblem(err));
      return undefined;
    } finally {
      setLoading(false);
    }
  }, [client, box]);

  useEffect(() => {
    setPouches(undefined);
    void load();
  }, [load]);

  usePouchEvents((event) => {
    void load().then((list) => {
      const pouch = list?.find((p) => p.id === event.id);
      if (pouch) setAnnouncement(`Pouch ${pouch.sealNumber} ${EVENTS[event.event]}.`);
    });
  });

  return (
    <section className="pouch-list" aria-labelledby={`${id}-title`}>
      <div className="toolbar">
        <h1 id={`${id}-title`}>
          Pouches <span className="subtle">— {TITLES[box]}</span>
        </h1>
        <div className="actions">
          <button type="button" onClick={() => void load()} disabled={loading}>
            {loading ? 'Refreshing…' : 'Refresh'}
          </button>
          <a className="button-link" href="#/pouches/new">
            Send a pouch
          </a>
        </div>
      </div>
      <fieldset className="pouch-tabs">
        <legend className="visually-hidden">Which pouches</legend>
        {boxes.map((b) => (
          <button key={b} type="button" aria-pressed={b === box} onClick={() => setBox(b)}>
            {TITLES[b]}
          </button>
        ))}
      </fieldset>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {problem && <ProblemAlert problem={problem} />}
      {pouches === undefined ? (
        !problem && <Status>Loading pouches…</Status>
      ) : pouches.length === 0 ? (
        <div className="empty">
          {box === 'inbox' && (
            <p>
              <strong>No pouches for your unit yet.</strong> They appear here the moment they are delivered.
            </p>
          )}
          {box === 'sent' && (
            <p>
              You have not sent a pouch yet. <a href="#/pouches/new">Send a pouch</a>.
            </p>
          )}
          {box === 'missing' && (
            <p>
              <strong>No pouch is missing.</strong> A pouch whose next hand-over is overdue appears here.
            </p>
          )}
        </div>
      ) : (
        <table className="message-table pouch-table">
          <caption className="visually-hidden">
            {TITLES[box]} pouches, newest first: seal number, from, to, items, size, classification, status and current holder
          </caption>
          <thead>
            <tr>
              <th scope="col">Seal number</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Items</th>
              <th scope="col">Size</th>
              <th scope="col">Classification</th>
              <th scope="col">Status</th>
              <th scope="col">Holder</th>
            </tr>
          </thead>
          <tbody>
            {pouches.map((p) => (
              <tr key={p.id} className={p.missingSince ? 'pouch-row missing' : 'pouch-row'} data-pouch-id={p.id}>
                <td data-title="Seal number">
                  <a href={`#/pouches/${p.id}`} className="seal-number">
                    {p.sealNumber}
                  </a>
                  <br />
                  <time className="subtle" dateTime={p.createdAt}>
                    {localTime(p.createdAt)}
                  </time>
                </td>
                <td data-title="From">
                  {directory.nameOf(p.sender.unit)}
                  <br />
                  <span className="subtle">{directory.nameOf(p.sender.person)}</span>
                </td>
                <td data-title="To">{directory.nameOf(p.consigneeUnit)}</td>
                <td data-title="Items">{p.itemCount}</td>
                <td data-title="Size">{byteSize(p.size)}</td>
                <td data-title="Classification">
                  <LabelChip label={p.label} />
                </td>
                <td data-title="Status">
                  <StatusBadge pouch={p} />
                </td>
                <td data-title="Holder">{directory.nameOf(p.holder)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
