/**
 * Fan-out of "something changed for this device" between the part of the server that writes
 * (delivery service, revocation) and the WebSocket connections that tell clients to pull. Events
 * carry no content: a client always pulls from its queue, so a lost event only delays delivery.
 * In-process now; NATS JetStream implements the same interface when several processes share a
 * PostgreSQL database.
 */
export type BusEvent =
  | { type: 'queue'; deviceId: string; seq: number }
  | { type: 'revoked'; deviceId: string }
  /** A pouch was delivered to, handed over for, or reported missing to this device's person (no content). */
  | { type: 'pouch'; deviceId: string; pouch: string; event: 'delivered' | 'handover' | 'missing' };

export type BusListener = (event: BusEvent) => void;

export interface Bus {
  /** Publish after the transaction that caused the events has committed. */
  publish(events: readonly BusEvent[]): Promise<void>;
  /** Listen to one device's events; returns the unsubscribe function. */
  subscribe(deviceId: string, listener: BusListener): () => void;
  close(): Promise<void>;
}

export class InProcessBus implements Bus {
  readonly #listeners = new Map<string, Set<BusListener>>();

  async publish(events: readonly BusEvent[]): Promise<void> {
    for (const event of events) {
      for (const listener of this.#listeners.get(event.deviceId) ?? []) {
        try {
          listener(event);
        } catch {
          // One broken connection must not stop delivery notices to the others.
        }
      }
    }
  }

  subscribe(deviceId: string, listener: BusListener): () => void {
    let set = this.#listeners.get(deviceId);
    if (!set) {
      set = new Set();
      this.#listeners.set(deviceId, set);
    }
    set.add(listener);
    return () => {
      const current = this.#listeners.get(deviceId);
      current?.delete(listener);
      if (current?.size === 0) this.#listeners.delete(deviceId);
    };
  }

  /** Number of devices with at least one listener (for tests and metrics). */
  get subscribedDevices(): number {
    return this.#listeners.size;
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
