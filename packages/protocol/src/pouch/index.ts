export type { ByteSource } from './byte-reader.ts';
export {
  type CustodyCheck,
  type CustodyFrom,
  type CustodyHop,
  type CustodyReceipt,
  type CustodyTaker,
  type CustodyTrust,
  custodyFingerprint,
  decodeCustodyReceipt,
  frameCustodyReceipt,
  type MakeCustodyReceiptInput,
  makeCustodyReceipt,
  type VerifyCustodyInput,
  verifyCustodyChain,
} from './custody.ts';
export {
  POUCH_FORMAT,
  POUCH_MAGIC,
  type PouchDocumentEntry,
  type PouchLabel,
  type PouchManifest,
  type PouchMarks,
} from './format.ts';
export { nobleSha256Stream, type Sha256Stream, type Sha256StreamFactory } from './keys.ts';
export {
  type InspectedPouch,
  inspectPouch,
  type OpenedDocument,
  type OpenedPouch,
  type OpenPouchOptions,
  openPouch,
  readCustodyReceipts,
  type SenderTrust,
  type VerifiedPouch,
  verifyPouch,
} from './open.ts';
export { type PouchDocumentInput, type PouchRecipient, type PouchSealResult, type SealPouchInput, sealPouch } from './seal.ts';
export {
  generateXWingKeyPair,
  XWING_CIPHERTEXT_LENGTH,
  XWING_PUBLIC_KEY_LENGTH,
  XWING_SEED_LENGTH,
  type XWingKeyPair,
  xwingDecapsulate,
  xwingEncapsulate,
} from './xwing.ts';
