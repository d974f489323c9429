/**
 * The HTTP side of the SDK: JSON in and out, base64url for bytes, the server's `{error:{code}}`
 * turned into ValiseError, and session tokens obtained by signing a server challenge with the
 * device's hybrid identity key (no passwords anywhere). A 401 triggers one re-authentication.
 */
import {
  API_PREFIX,
  type ChallengeResponse,
  type CryptoProvider,
  concatBytes,
  fromBase64Url,
  signHybrid,
  type TokenResponse,
  toBase64Url,
  utf8,
  ValiseError,
} from '@valise/protocol';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface DeviceCredentials {
  deviceId: string;
  identitySecretKey: Uint8Array;
  domain: string;
}

export interface ApiClientOptions {
  serverUrl: string;
  crypto: CryptoProvider;
  fetch?: FetchLike;
  device?: DeviceCredentials;
}

/** Normalise a server URL: no trailing slash, http(s) only. */
export function normaliseServerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValiseError('BAD_SERVER_URL', `not a URL: ${url} (expected e.g. http://127.0.0.1:8080)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValiseError('BAD_SERVER_URL', `server URL must be http or https: ${url}`);
  }
  return parsed.origin + parsed.pathname.replace(/\/+$/, '');
}

export class ApiClient {
  readonly serverUrl: string;
  readonly #crypto: CryptoProvider;
  readonly #fetch: FetchLike;
  #device: DeviceCredentials | undefined;
  #token: string | undefined;
  #tokenExpires = 0;

  constructor(options: ApiClientOptions) {
    this.serverUrl = normaliseServerUrl(options.serverUrl);
    this.#crypto = options.crypto;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#device = options.device;
  }

  setDevice(device: DeviceCredentials): void {
    this.#device = device;
    this.#token = undefined;
  }

  /** A current session token, authenticating first when needed. */
  async token(): Promise<string> {
    if (this.#token && Date.now() < this.#tokenExpires - 30_000) return this.#token;
    const device = this.#device;
    if (!device) throw new ValiseError('NOT_ENROLLED', 'no device is enrolled here: enrol with a code from your security officer first');
    const ch = await this.request<ChallengeResponse>('POST', '/auth/challenge', { deviceId: device.deviceId }, { auth: false });
    const challenge = fromBase64Url(ch.challenge);
    const signed = concatBytes(challenge, utf8(device.deviceId), utf8(device.domain));
    const signature = await signHybrid(this.#crypto, device.identitySecretKey, 'auth', signed);
    const tok = await this.request<TokenResponse>(
      'POST',
      '/auth/token',
      { deviceId: device.deviceId, challenge: ch.challenge, signature: toBase64Url(signature) },
      { auth: false },
    );
    this.#token = tok.token;
    this.#tokenExpires = Date.parse(tok.expiresAt);
    return tok.token;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** Upload raw bytes (encrypted attachments). */
  async postBytes<T>(path: string, bytes: Uint8Array): Promise<T> {
    const res = await this.#send('POST', path, { body: new Uint8Array(bytes), contentType: 'application/octet-stream' }, true);
    return (await res.json()) as T;
  }

  /**
   * A request with raw bytes and extra headers (pouch transfers: Upload-Offset, Range); the
   * response itself is returned, for a success or one of the `tolerate` statuses (e.g. 409).
   */
  async exchange(
    method: string,
    path: string,
    init: { body?: Uint8Array; headers?: Record<string, string>; contentType?: string; signal?: AbortSignal } = {},
    tolerate: readonly number[] = [],
  ): Promise<Response> {
    const body = init.body === undefined ? undefined : new Uint8Array(init.body);
    return this.#send(
      method,
      path,
      {
        ...(body ? { body } : {}),
        ...(init.contentType ? { contentType: init.contentType } : {}),
        ...(init.headers ? { headers: init.headers } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      },
      true,
      tolerate,
    );
  }

  async getBytes(path: string): Promise<Uint8Array> {
    const res = await this.#send('GET', path, {}, true);
    return new Uint8Array(await res.arrayBuffer());
  }

  /** GET a public resource of the server's audit log, under /log/ (not the API): no session needed. */
  async getLog(path: string): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.serverUrl}/log/${path}`);
    } catch (cause) {
      throw new ValiseError('SERVER_UNREACHABLE', `cannot reach the Valise server at ${this.serverUrl}: is it running?`, { cause });
    }
    if (!res.ok) throw new ValiseError('AUDIT_LOG_UNAVAILABLE', `GET /log/${path} answered ${res.status}`);
    return res;
  }

  async request<T>(method: string, path: string, body?: unknown, options: { auth?: boolean } = {}): Promise<T> {
    const auth = options.auth ?? true;
    const init = body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' };
    const res = await this.#send(method, path, init, auth);
    return (await res.json()) as T;
  }

  async #send(
    method: string,
    path: string,
    init: { body?: string | Uint8Array<ArrayBuffer>; contentType?: string; headers?: Record<string, string>; signal?: AbortSignal },
    auth: boolean,
    tolerate: readonly number[] = [],
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
      if (init.contentType) headers['content-type'] = init.contentType;
      if (auth) headers.authorization = `Bearer ${await this.token()}`;
      let res: Response;
      try {
        res = await this.#fetch(`${this.serverUrl}${API_PREFIX}${path}`, {
          method,
          headers,
          body: init.body ?? null,
          ...(init.signal ? { signal: init.signal } : {}),
        });
      } catch (cause) {
        if (init.signal?.aborted) throw new ValiseError('CANCELLED', 'the transfer was interrupted', { cause });
        throw new ValiseError('SERVER_UNREACHABLE', `cannot reach the Valise server at ${this.serverUrl}: is it running?`, { cause });
      }
      if (res.status === 401 && auth && attempt === 0) {
        this.#token = undefined;
        continue;
      }
      if (!res.ok && !tolerate.includes(res.status)) throw await errorFrom(res);
      return res;
    }
  }
}

async function errorFrom(res: Response): Promise<ValiseError> {
  let code = `HTTP_${res.status}`;
  let message = `server answered ${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  const err = new ValiseError(code, message);
  (err as ValiseError & { status?: number }).status = res.status;
  return err;
}
