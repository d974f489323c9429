import * as nodeCrypto from 'node:crypto';
import { nativeMlsPrimitives } from '@valise/protocol';

/** node:crypto's synchronous hashing and AES for MLS message protection and the key schedule. */
export const nodeMlsNative = nativeMlsPrimitives(nodeCrypto);
