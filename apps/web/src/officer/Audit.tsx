/**
 * The audit log for security officers: the latest signed checkpoint and its witnesses, a "verify
 * the whole log" action that recomputes it in this browser, and a timeline of opened events,
 * newest first, each checked by this device against its commitment and its inclusion under a
 * verified checkpoint (client.auditEvents). Filtering by type asks the server; the text search
 * runs over the events loaded here.
 */
import type { ValiseClient, VerifiedAuditEvent } from '@valise/sdk';
import { useEffect, useId, useMemo, useState } from 'react';
import { Alert, Status } from '../components/Notice.tsx';
import { localTime } from '../format.ts';
import { AuditCheckpoint } from './AuditCheckpoint.tsx';
import { explainForOfficer } from './errors.ts';
import { EVENT_TYPE_NAMES, eventSentence } from './event-text.ts';
import { useLoaded } from './load.ts';
import type { SecurityEvent } from './types.ts';

const PAGE = 50;

interface Timeline {
  events: VerifiedAuditEvent[];
  checkpointSize: number;
  next: number | null;
}

export function AuditView({ client }: { client: ValiseClient }) {
  const id = useId();
  const people = useLoaded(() => client.people(), 'people');
  const nameOf = useMemo(() => {
    const names = new Map((people.data ?? []).map((p) => [p.handle, p.name]));
    return (h: string) => names.get(h) ?? h;
  }, [people.data]);
  const [type, setType] = useState<SecurityEvent['type'] | ''>('');
  const [query, setQuery] = useState('');
  const [timeline, setTimeline] = useState<Timeline>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const [attempt, setAttempt] = useState(0);

  const load = async (from: number | null, replace: boolean) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await client.auditEvents({ order: 'desc', limit: PAGE, ...(type ? { type } : {}), ...(from !== null ? { from } : {}) });
      setTimeline((prev) => ({
        events: replace || !prev ? page.events : [...prev.events, ...page.events],
        checkpointSize: page.checkpoint.size,
        next: page.next,
      }));
    } catch (err) {
      setError(explainForOfficer(err));
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new type filter (or a retry) starts the timeline again
  useEffect(() => {
    setTimeline(undefined);
    void load(null, true);
  }, [type, attempt]);

  const q = query.trim().toLowerCase();
  const shown = (timeline?.events ?? []).filter(
    ({ event }) =>
      !q ||
      eventSentence(event, nameOf).toLowerCase().includes(q) ||
      JSON.stringify(event).toLowerCase().includes(q) ||
      (EVENT_TYPE_NAMES[event.type] ?? '').toLowerCase().includes(q),
  );

  return (
    <div className="officer-view">
      <h1>Audit log</h1>
      <p className="lead">
        Every security-relevant event is in a tamper-evident log whose checkpoints the server signs and witnesses cosign. This browser
        checks each event below against the signed log, and can recompute the whole log.
      </p>
      <AuditCheckpoint client={client} />
      <section aria-labelledby={`${id}-timeline`} className="officer-section">
        <div className="section-head">
          <h2 id={`${id}-timeline`}>Timeline</h2>
          <button type="button" disabled={loading} onClick={() => setAttempt((n) => n + 1)}>
            {loading ? 'Loading…' : 'Show newest events'}
          </button>
        </div>
        <div className="filters">
          <div className="field">
            <label htmlFor={`${id}-type`}>Type of event</label>
            <select id={`${id}-type`} value={type} onChange={(ev) => setType(ev.target.value as SecurityEvent['type'] | '')}>
              <option value="">All types</option>
              {Object.entries(EVENT_TYPE_NAMES).map(([value, name]) => (
                <option key={value} value={value}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-search`}>Search the loaded events</label>
            <input
              id={`${id}-search`}
              type="search"
              value={query}
              onChange={(ev) => setQuery(ev.target.value)}
              placeholder="Name, conversation, code…"
            />
          </div>
        </div>
        {timeline && (
          <p className="help" aria-live="polite">
            {q ? `${shown.length} of ${timeline.events.length} loaded events match.` : `${timeline.events.length} events loaded`}, all
            included in the checkpoint of {timeline.checkpointSize} entries.
          </p>
        )}
        {error && (
          <Alert>
            The events could not be loaded or verified. {error}{' '}
            <button type="button" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </Alert>
        )}
        {loading && !timeline && <Status>Loading and verifying events…</Status>}
        {timeline && timeline.events.length === 0 && (
          <div className="empty">
            <p>
              {type
                ? `No “${EVENT_TYPE_NAMES[type]}” events in the log. Choose “All types” to see everything.`
                : 'The log has no events yet.'}
            </p>
          </div>
        )}
        {timeline && timeline.events.length > 0 && shown.length === 0 && (
          <p className="empty-inline">
            No loaded event matches “{query}”. {timeline.next !== null ? 'Load older events, or ' : ''}change the search.
          </p>
        )}
        <ol className="timeline" aria-label="Audit events, newest first">
          {shown.map(({ index, event }) => (
            <li key={index} className="timeline-item">
              <div className="timeline-head">
                <span className="event-type">{EVENT_TYPE_NAMES[event.type] ?? event.type}</span>
                <time dateTime={event.at}>{localTime(event.at)}</time>
              </div>
              <p className="event-sentence">{eventSentence(event, nameOf)}</p>
              <p className="verified">
                <span aria-hidden="true">✓ </span>Verified against the signed log: entry {index}
              </p>
              <details>
                <summary>Details of entry {index}</summary>
                <pre className="event-details">{JSON.stringify(event, null, 2)}</pre>
              </details>
            </li>
          ))}
        </ol>
        {timeline?.next !== null && timeline !== undefined && (
          <div className="actions">
            <button type="button" disabled={loading} onClick={() => void load(timeline.next, false)}>
              {loading ? 'Loading…' : 'Load older events'}
            </button>
          </div>
        )}
      </section>
    </div>
  );
}
