/**
 * One pouch: its external marks, its status (and missing flag), its custody timeline, and what this
 * person may do with it — sign for receipt (a hand-over to this device, signed here, reported to the
 * server), open it (download, verify the seal, the sender and the whole chain, decrypt, download the
 * documents), or verify the chain (the sender and couriers). Hops are marked verified once this
 * device has checked their signatures.
 */
import type { CustodyHopView, Person, ValiseClient } from '@valise/sdk';
import type { PouchHop, PouchTrack } from '@valise/sdk/browser';
import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { LabelBanner, LabelChip } from '../components/Marking.tsx';
import { Status } from '../components/Notice.tsx';
import type { Directory } from '../directory.ts';
import { byteSize, localTime } from '../format.ts';
import { useMe } from '../me.ts';
import { type PouchProblem, pouchProblem } from './errors.ts';
import { usePouchEvents } from './live.ts';
import { ProblemAlert, Progress, StatusBadge } from './parts.tsx';
import { type OpenedHere, openPouchHere, signForReceipt, verifyPouchHere } from './transfer.ts';
import './pouch.css';

type Busy = undefined | 'sign' | 'open' | 'verify';

interface Checked {
  /** Verified hops by receipt digest. */
  hops: Map<string, CustodyHopView>;
  pouchDigest: string | undefined;
  senderChecked: boolean;
}

export function PouchDetail({ client, id, directory }: { client: ValiseClient; id: string; directory: Directory }) {
  const me = useMe(client);
  const [track, setTrack] = useState<PouchTrack>();
  const [loadProblem, setLoadProblem] = useState<PouchProblem>();
  const [problem, setProblem] = useState<PouchProblem>();
  const [busy, setBusy] = useState<Busy>();
  const [progress, setProgress] = useState<{ label: string; bytes: number; total: number }>();
  const [checked, setChecked] = useState<Checked>();
  const [opened, setOpened] = useState<OpenedHere>();
  const [notice, setNotice] = useState<string>();
  const [place, setPlace] = useState('');
  const headingId = useId();
  const placeId = useId();

  const load = useCallback(async () => {
    try {
      setTrack(await client.pouch.transport.track(id));
      setLoadProblem(undefined);
    } catch (err) {
      setLoadProblem(pouchProblem(err));
    }
  }, [client, id]);

  useEffect(() => {
    void load();
  }, [load]);

  usePouchEvents((event) => {
    if (event.id === id) void load();
  });

  // Object URLs for the opened documents live as long as this page shows them.
  const [urls, setUrls] = useState<string[]>([]);
  useEffect(() => {
    const made = (opened?.documents ?? []).map((d) => URL.createObjectURL(d.blob));
    setUrls(made);
    return () => {
      for (const u of made) URL.revokeObjectURL(u);
    };
  }, [opened]);

  const person: Person | undefined = me.person;
  // The place starts as this person's unit, once; after that it is what they typed.
  const placeSet = useRef(false);
  useEffect(() => {
    if (!person || placeSet.current || !directory.unit(person.unit)) return;
    placeSet.current = true;
    setPlace(directory.nameOf(person.unit));
  }, [person, directory]);

  if (loadProblem && !track) {
    return (
      <section className="pouch-detail">
        <div className="toolbar">
          <h1>Pouch</h1>
          <a href="#/pouches">Back to pouches</a>
        </div>
        <ProblemAlert problem={loadProblem} />
      </section>
    );
  }
  if (!track) return <Status>Loading the pouch…</Status>;

  const pouch = track.pouch;
  const atConsignee = person !== undefined && person.unit === pouch.consigneeUnit;
  const lastHolder = track.hops.at(-1)?.taker.handle;
  const heldHere =
    person !== undefined && (lastHolder === person.handle || (lastHolder === undefined && pouch.sender.person === person.handle));
  const canSign = atConsignee && pouch.status !== 'uploading' && pouch.status !== 'rejected' && !heldHere;
  const canOpen = atConsignee && pouch.status !== 'uploading' && pouch.status !== 'rejected';
  const canVerify = pouch.status !== 'uploading' && pouch.status !== 'rejected';

  const onProgress = (label: string) => (p: { bytes: number; total: number }) => setProgress({ label, ...p });

  async function run(kind: Exclude<Busy, undefined>, work: () => Promise<void>) {
    setBusy(kind);
    setProblem(undefined);
    setNotice(undefined);
    setProgress(undefined);
    try {
      await work();
    } catch (err) {
      setProblem(pouchProblem(err));
    } finally {
      setBusy(undefined);
      setProgress(undefined);
    }
  }

  const remember = (custody: CustodyHopView[] | undefined, pouchDigest: string | undefined, senderChecked: boolean) =>
    setChecked({ hops: new Map((custody ?? []).map((h) => [h.receiptDigest, h])), pouchDigest, senderChecked });

  const sign = (e: FormEvent) => {
    e.preventDefault();
    if (!place.trim()) return;
    void run('sign', async () => {
      const result = await signForReceipt(client, pouch, place.trim(), onProgress('Downloading'));
      setNotice(
        result.reported
          ? `Signed for: hand-over ${result.sequence} at ${result.place}, ${localTime(result.time)}, recorded by the server.`
          : `Signed here, but the server did not record it (${result.notReported?.code ?? 'unknown'}): ${result.notReported?.message ?? ''}`,
      );
      await load();
      // Check the chain as it now stands, this hand-over included.
      const fresh = await client.pouch.transport.track(id);
      setTrack(fresh);
      const v = await verifyPouchHere(client, fresh.pouch);
      remember(v.custody, v.pouchDigest, v.senderChecked);
    });
  };

  const open = () =>
    void run('open', async () => {
      const result = await openPouchHere(client, pouch, (stage, p) => onProgress(stage === 'download' ? 'Downloading' : 'Decrypting')(p));
      setOpened(result);
      remember(result.custody, result.pouchDigest, result.senderChecked);
    });

  const verify = () =>
    void run('verify', async () => {
      const v = await verifyPouchHere(client, pouch, onProgress('Downloading'));
      remember(v.custody, v.pouchDigest, v.senderChecked);
      setNotice(`Verified: the seal, the sender’s key and ${v.custody?.length ?? 0} signed hand-overs.`);
    });

  return (
    <section className="pouch-detail" aria-labelledby={headingId}>
      <div className="toolbar">
        <h1 id={headingId}>
          Pouch <span className="seal-number">{pouch.sealNumber}</span>
        </h1>
        <a href="#/pouches">Back to pouches</a>
      </div>
      <LabelBanner label={pouch.label} position="top" />
      {track.missing && (
        <div className="notice notice-error" role="alert">
          <strong>Missing:</strong> the next hand-over was due by {pouch.expectedBy ? localTime(pouch.expectedBy) : 'now'} and nobody has
          signed for the pouch since {pouch.missingSince ? localTime(pouch.missingSince) : 'then'}. Security officers have been told.
        </div>
      )}
      <h2>External marks</h2>
      <dl className="pouch-marks">
        <Mark term="Seal number">
          <span className="seal-number">{pouch.sealNumber}</span>
        </Mark>
        <Mark term="Classification">
          <LabelChip label={pouch.label} />
          {pouch.privacyMark && <span className="subtle"> {pouch.privacyMark}</span>}
        </Mark>
        <Mark term="Status">
          <StatusBadge pouch={pouch} />
        </Mark>
        <Mark term="From">
          {directory.nameOf(pouch.sender.unit)} <span className="subtle">({directory.nameOf(pouch.sender.person)})</span>
        </Mark>
        <Mark term="To">{directory.nameOf(pouch.consigneeUnit)}</Mark>
        <Mark term="Current holder">{directory.nameOf(pouch.holder)}</Mark>
        <Mark term="Items">{pouch.itemCount}</Mark>
        <Mark term="Size">{byteSize(pouch.size)}</Mark>
        <Mark term="Sealed">
          <time dateTime={pouch.createdAt}>{localTime(pouch.createdAt)}</time>
        </Mark>
        {pouch.expectedBy && (
          <Mark term="Next hand-over due">
            <time dateTime={pouch.expectedBy}>{localTime(pouch.expectedBy)}</time>
          </Mark>
        )}
        {pouch.pouchDigest && (
          <Mark term="Pouch digest (SHA-256)">
            <span className="digest">{pouch.pouchDigest}</span>
          </Mark>
        )}
      </dl>

      <h2>Custody timeline</h2>
      <CustodyTimeline track={track} checked={checked} directory={directory} />

      {(canSign || canOpen || canVerify) && (
        <section className="pouch-actions" aria-label="Actions">
          {canSign && (
            <form onSubmit={sign}>
              <div className="field">
                <label htmlFor={placeId}>Place of hand-over</label>
                <input
                  id={placeId}
                  value={place}
                  onChange={(e) => setPlace(e.target.value)}
                  required
                  maxLength={200}
                  aria-describedby={`${placeId}-help`}
                />
                <p className="help" id={`${placeId}-help`}>
                  Where you take the pouch, as it will appear on the signed receipt and the timeline.
                </p>
              </div>
              <div className="actions">
                <button type="submit" className="primary" disabled={busy !== undefined || !place.trim()}>
                  {busy === 'sign' ? 'Signing…' : 'Sign for receipt'}
                </button>
              </div>
            </form>
          )}
          <div className="actions pouch-action-row">
            {canOpen && (
              <button type="button" className={canSign ? undefined : 'primary'} onClick={open} disabled={busy !== undefined}>
                {busy === 'open' ? 'Opening…' : 'Open'}
              </button>
            )}
            {canVerify && (
              <button type="button" onClick={verify} disabled={busy !== undefined}>
                {busy === 'verify' ? 'Verifying…' : 'Verify custody chain'}
              </button>
            )}
          </div>
          {progress && <Progress label={progress.label} bytes={progress.bytes} total={progress.total} />}
          {notice && <Status tone="success">{notice}</Status>}
          {problem && <ProblemAlert problem={problem} />}
        </section>
      )}

      {opened && <OpenedDocuments opened={opened} urls={urls} checked={checked} />}
      <LabelBanner label={pouch.label} position="bottom" />
    </section>
  );
}

function Mark({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The sealing, then each hand-over (holder, place, time, whether this device verified its signature), then what is awaited. */
function CustodyTimeline({ track, checked, directory }: { track: PouchTrack; checked: Checked | undefined; directory: Directory }) {
  const { pouch, hops } = track;
  return (
    <ol className="custody-timeline" aria-label="Custody timeline">
      <li className="custody-hop">
        <h3>Sealed and sent</h3>
        <p>
          by {directory.nameOf(pouch.sender.person)}, {directory.nameOf(pouch.sender.unit)} —{' '}
          <time dateTime={pouch.createdAt}>{localTime(pouch.createdAt)}</time>
        </p>
        <p className="subtle">Device {pouch.sender.device}</p>
        {checked?.senderChecked ? (
          <p className="verified">✓ Seal and sender’s signature verified on this device</p>
        ) : (
          <p className="unverified">Seal not yet verified on this device</p>
        )}
      </li>
      {pouch.availableAt && (
        <li className="custody-hop">
          <h3>Delivered to {directory.nameOf(pouch.consigneeUnit)}</h3>
          <p>
            verified and made available by the server — <time dateTime={pouch.availableAt}>{localTime(pouch.availableAt)}</time>
          </p>
        </li>
      )}
      {hops.map((hop) => (
        <Hop
          key={hop.sequence}
          hop={hop}
          // The first taker names the sender's device: say whose it is.
          from={
            hop.from === pouch.sender.device ? `${directory.nameOf(pouch.sender.person)} (sender’s device)` : directory.nameOf(hop.from)
          }
          verified={checked?.hops.get(hop.receiptDigest)}
          directory={directory}
        />
      ))}
      {pouch.status !== 'received' && pouch.status !== 'rejected' && (
        <li className={track.missing ? 'custody-hop hop-pending hop-missing' : 'custody-hop hop-pending'}>
          <h3>{track.missing ? 'Missing' : pouch.status === 'uploading' ? 'Uploading' : 'Awaiting the next signature'}</h3>
          <p>
            {pouch.expectedBy ? (
              <>
                Next hand-over due by <time dateTime={pouch.expectedBy}>{localTime(pouch.expectedBy)}</time>
              </>
            ) : (
              'No deadline'
            )}
          </p>
        </li>
      )}
    </ol>
  );
}

function Hop({
  hop,
  from,
  verified,
  directory,
}: {
  hop: PouchHop;
  from: string;
  verified: CustodyHopView | undefined;
  directory: Directory;
}) {
  return (
    <li className="custody-hop" data-sequence={hop.sequence}>
      <h3>
        Hand-over {hop.sequence}: {directory.nameOf(hop.taker.handle)}
      </h3>
      <p>
        at <strong>{hop.place}</strong> — <time dateTime={hop.at}>{localTime(hop.at)}</time>
      </p>
      <p className="subtle">
        from {from} · taken with device {hop.taker.device}
      </p>
      {verified ? (
        <p className="verified">
          ✓ Signature verified on this device <span className="subtle">(key {verified.taker.keyFingerprint.slice(0, 16)}…)</span>
        </p>
      ) : (
        <p className="unverified">Recorded by the server; signature not yet verified on this device</p>
      )}
    </li>
  );
}

function OpenedDocuments({ opened, urls, checked }: { opened: OpenedHere; urls: string[]; checked: Checked | undefined }) {
  const id = useId();
  return (
    <section className="pouch-actions opened" aria-labelledby={id}>
      <h2 id={id}>Documents</h2>
      <Status tone="success">
        Opened and verified on this device: the seal, the sender’s key, and {checked?.hops.size ?? 0} signed{' '}
        {(checked?.hops.size ?? 0) === 1 ? 'hand-over' : 'hand-overs'}.{opened.openedBefore && ' This device had opened this pouch before.'}
      </Status>
      <ul className="opened-documents">
        {opened.documents.map((d, i) => (
          <li key={d.index}>
            <a href={urls[i]} download={d.downloadName}>
              Download {d.name}
            </a>{' '}
            <span className="subtle">
              {byteSize(d.size)}, {d.mediaType}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
