/**
 * The few platform globals protocol relies on, which both Node and browsers provide. Declared
 * here instead of pulling in the DOM or Node typings, so that nothing else platform-specific can
 * creep into this package unnoticed.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
type BufferSource = ArrayBufferView<ArrayBuffer> | ArrayBuffer;
interface CryptoKey {
  readonly type: string;
}
interface AesGcmParams {
  name: 'AES-GCM';
  iv: BufferSource;
  additionalData?: BufferSource;
}
interface SubtleCrypto {
  importKey(format: 'raw', keyData: BufferSource, algorithm: string, extractable: boolean, usages: string[]): Promise<CryptoKey>;
  encrypt(algorithm: AesGcmParams, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
  decrypt(algorithm: AesGcmParams, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
  digest(algorithm: 'SHA-256' | 'SHA-512', data: BufferSource): Promise<ArrayBuffer>;
  deriveBits(
    algorithm: { name: 'HKDF'; hash: string; salt: BufferSource; info: BufferSource },
    key: CryptoKey,
    length: number,
  ): Promise<ArrayBuffer>;
}
declare var crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T; readonly subtle: SubtleCrypto };
