/**
 * Pouch transfers of this browser session: downloads kept per pouch so that a retry continues them
 * (Range) and a signature appends its receipt to the local copy, and the two actions on a received
 * pouch — sign for receipt, and open (download, verify the whole chain, decrypt).
 */
import type { CustodyHopView, HandoverResult, PouchVerification, TransferProgress, ValiseClient } from '@valise/sdk';
import {
  BlobDownloadSink,
  blobByteSource,
  type OpenedDocumentBlob,
  openedPouchBlobs,
  type PouchSummary,
  type ReceivedPouchBlob,
  receivePouchBlob,
} from '@valise/sdk/browser';

interface LocalCopy {
  /** Hand-overs the copy carries (a copy made before a later hand-over is stale). */
  hops: number;
  sink: BlobDownloadSink;
}

const copies = new Map<string, LocalCopy>();

/** Download a pouch (continuing a partial copy of this session) and verify it: seal, sender, chain of custody. */
export function downloadPouch(
  client: ValiseClient,
  pouch: PouchSummary,
  onProgress?: (p: TransferProgress) => void,
): Promise<ReceivedPouchBlob> {
  let copy = copies.get(pouch.id);
  if (!copy || copy.hops !== pouch.hops) {
    copy = { hops: pouch.hops, sink: new BlobDownloadSink() };
    copies.set(pouch.id, copy);
  }
  return receivePouchBlob(client, pouch.id, copy.sink, onProgress ? { onProgress } : {});
}

/** Verify a pouch and its chain of custody here (downloads it first). */
export async function verifyPouchHere(
  client: ValiseClient,
  pouch: PouchSummary,
  onProgress?: (p: TransferProgress) => void,
): Promise<PouchVerification> {
  return (await downloadPouch(client, pouch, onProgress)).verification;
}

/**
 * Sign for receipt: verify the pouch and its chain so far, sign the receipt of this hand-over
 * with this device's identity key, append it to the local copy and report it to the server.
 */
export async function signForReceipt(
  client: ValiseClient,
  pouch: PouchSummary,
  place: string,
  onProgress?: (p: TransferProgress) => void,
): Promise<HandoverResult> {
  const received = await downloadPouch(client, pouch, onProgress);
  const copy = copies.get(pouch.id);
  const result = await client.pouch.transport.handover(blobByteSource(received.blob), {
    place,
    append: async (frame) => {
      await copy?.sink.append(frame);
    },
  });
  if (copy) copy.hops = pouch.hops + 1;
  return result;
}

export interface OpenedHere {
  documents: OpenedDocumentBlob[];
  custody: CustodyHopView[];
  pouchDigest: string | undefined;
  openedBefore: boolean;
  senderChecked: boolean;
}

/** Download, verify the seal, the sender and the whole chain, and decrypt: the documents, only once all of it verified. */
export async function openPouchHere(
  client: ValiseClient,
  pouch: PouchSummary,
  onProgress: (stage: 'download' | 'open', p: TransferProgress) => void,
): Promise<OpenedHere> {
  const received = await downloadPouch(client, pouch, (p) => onProgress('download', p));
  const opened = await client.pouch.open(blobByteSource(received.blob), { onProgress: (p) => onProgress('open', p) });
  const documents = await openedPouchBlobs(opened);
  return {
    documents,
    custody: opened.custody ?? [],
    pouchDigest: opened.pouchDigest,
    openedBefore: opened.openedBefore,
    senderChecked: received.verification.senderChecked,
  };
}
