import type { CryptoProvider, LabelPolicy, Organisation } from '@valise/protocol';
import type { Bus } from './bus/bus.ts';
import type { Db, Dialect } from './db/schema.ts';

/** What every service is built from: injected I/O, so tests run the real code on controlled time. */
export interface ServiceContext {
  db: Db;
  dialect: Dialect;
  clock: () => Date;
  crypto: CryptoProvider;
  organisation: Organisation;
  bus: Bus;
  /** The organisation's label policy, validated at start-up (DIR/label-policy.json or the default). */
  labelPolicy: LabelPolicy;
}
