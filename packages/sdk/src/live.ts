/**
 * The live connection: a WebSocket that authenticates with its first frame (tokens never appear
 * in URLs or logs), is told when something is queued, and drains the queue. It reconnects with
 * backoff, and syncs on every (re)connect so nothing sent while offline is missed.
 */
import type { WsServerFrame } from '@valise/protocol';
import type { ValiseClient } from './client.ts';
import type { SyncResult } from './sync.ts';

export type WebSocketFactory = (url: string) => WebSocket;

export type LiveEvent =
  | { type: 'connected' }
  | { type: 'disconnected' }
  | { type: 'synced'; result: SyncResult }
  /** Something happened to a pouch this person may receive or sent (no content: fetch its track). */
  | { type: 'pouch'; id: string; event: 'delivered' | 'handover' | 'missing' }
  | { type: 'error'; code: string; message: string };

export class LiveConnection {
  readonly #client: ValiseClient;
  readonly #onEvent: (event: LiveEvent) => void;
  readonly #factory: WebSocketFactory;
  #socket: WebSocket | undefined;
  #closed = false;
  #backoff = 500;
  #syncing: Promise<void> | undefined;
  #again = false;

  constructor(client: ValiseClient, onEvent: (event: LiveEvent) => void, factory?: WebSocketFactory) {
    this.#client = client;
    this.#onEvent = onEvent;
    this.#factory = factory ?? ((url) => new WebSocket(url));
  }

  start(): void {
    void this.#open();
  }

  close(): void {
    this.#closed = true;
    this.#socket?.close();
  }

  /** Sync now; if a sync is running, run one more after it (a push may have arrived mid-way). */
  requestSync(): Promise<void> {
    if (this.#syncing) {
      this.#again = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      try {
        do {
          this.#again = false;
          const result = await this.#client.sync();
          this.#onEvent({ type: 'synced', result });
        } while (this.#again && !this.#closed);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        this.#onEvent({ type: 'error', code: e.code ?? 'SYNC_FAILED', message: e.message ?? String(err) });
      } finally {
        this.#syncing = undefined;
      }
    })();
    return this.#syncing;
  }

  async #open(): Promise<void> {
    if (this.#closed) return;
    let token: string;
    try {
      token = await this.#client.core.api.token();
    } catch (err) {
      const e = err as { code?: string; message?: string };
      this.#onEvent({ type: 'error', code: e.code ?? 'AUTH_FAILED', message: e.message ?? String(err) });
      this.#retry();
      return;
    }
    // close() may have been called while the token was being fetched.
    if (this.#closed) return;
    const url = `${this.#client.core.api.serverUrl.replace(/^http/, 'ws')}/api/v1/ws`;
    const socket = this.#factory(url);
    this.#socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token }));
    socket.onmessage = (ev: MessageEvent) => {
      let frame: WsServerFrame;
      try {
        frame = JSON.parse(String(ev.data)) as WsServerFrame;
      } catch {
        return;
      }
      if (frame.type === 'ready') {
        this.#backoff = 500;
        this.#onEvent({ type: 'connected' });
        void this.requestSync();
      } else if (frame.type === 'queue') {
        void this.requestSync();
      } else if (frame.type === 'pouch') {
        this.#onEvent({ type: 'pouch', id: frame.id, event: frame.event });
      } else if (frame.type === 'error') {
        this.#onEvent({ type: 'error', code: frame.code, message: frame.message });
      }
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#onEvent({ type: 'disconnected' });
      this.#retry();
    };
    socket.onerror = () => {
      // onclose follows and schedules the retry.
    };
  }

  #retry(): void {
    if (this.#closed) return;
    setTimeout(() => void this.#open(), this.#backoff);
    this.#backoff = Math.min(this.#backoff * 2, 15_000);
  }
}
