/**
 * Exact-length reads over a stream of byte chunks of any sizes, holding at most one read's worth
 * of bytes: what keeps opening a multi-gigabyte pouch in constant memory.
 */
import { pouchError } from './format.ts';

/** Anything that yields bytes: a file stream, a fetch body turned async-iterable, an array. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export class ByteReader {
  readonly #it: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #head = 0; // offset into #chunks[0]
  #buffered = 0;
  #done = false;
  /** Bytes handed out so far. */
  position = 0;

  constructor(source: ByteSource) {
    this.#it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  async #pull(): Promise<boolean> {
    if (this.#done) return false;
    const r = await this.#it.next();
    if (r.done) {
      this.#done = true;
      return false;
    }
    if (!(r.value instanceof Uint8Array)) throw pouchError('POUCH_BAD_INPUT', 'a pouch source must yield Uint8Array chunks');
    if (r.value.length > 0) {
      this.#chunks.push(r.value);
      this.#buffered += r.value.length;
    }
    return true;
  }

  /** Exactly `n` bytes; POUCH_TRUNCATED (naming `what`) when the source ends first. */
  async read(n: number, what: string): Promise<Uint8Array> {
    while (this.#buffered < n) {
      if (!(await this.#pull()))
        throw pouchError('POUCH_TRUNCATED', `the pouch ends inside ${what} (at byte ${this.position + this.#buffered})`);
    }
    return this.#take(n);
  }

  /** Between 1 and `n` bytes (whatever is buffered, pulling once if nothing is); POUCH_TRUNCATED at the end. */
  async readSome(n: number, what: string): Promise<Uint8Array> {
    while (this.#buffered === 0) {
      if (!(await this.#pull())) throw pouchError('POUCH_TRUNCATED', `the pouch ends inside ${what} (at byte ${this.position})`);
    }
    return this.#take(Math.min(n, this.#buffered, (this.#chunks[0] as Uint8Array).length - this.#head));
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    while (this.#buffered === 0) if (!(await this.#pull())) return true;
    return false;
  }

  /** Stop reading: lets a file stream close. */
  async close(): Promise<void> {
    this.#chunks = [];
    this.#buffered = 0;
    if (!this.#done) {
      this.#done = true;
      await this.#it.return?.();
    }
  }

  #take(n: number): Uint8Array {
    this.position += n;
    this.#buffered -= n;
    const first = this.#chunks[0] as Uint8Array;
    if (first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#head += n;
      if (this.#head === first.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0] as Uint8Array;
      const part = Math.min(n - filled, chunk.length - this.#head);
      out.set(chunk.subarray(this.#head, this.#head + part), filled);
      filled += part;
      this.#head += part;
      if (this.#head === chunk.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    return out;
  }
}
