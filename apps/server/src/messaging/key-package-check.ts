/**
 * What the delivery service checks in an uploaded key package before filing it.
 *
 * The server does not judge a key package the way a member does (verify the leaf signature and
 * the credential's binding against the directory): clients do that with their own authentication
 * service before they add anyone, and must go on doing it. This is defence in depth on top. The
 * server must not become a place where a device files key packages under another identity: without
 * these checks a device could, for example, claim another device's real key package (they are
 * public once claimed; its credential verifies) and re-upload it as its own, so that whoever adds
 * the uploader gets a valid package for someone else, and the server's membership and the group's
 * drift apart unless every client checks the credential against the device it asked for. Nor
 * should it hand out packages no client can use (junk, another suite, expired), which only make
 * adds fail. So the server parses each one (inspectKeyPackage: unverified, but enough to see whose
 * it claims to be) and files only packages that name the uploading device and its person, the
 * suite of the upload, and a lifetime that holds now.
 */
import { inspectKeyPackage, type MlsKeyPackageInfo } from '@valise/protocol';
import { serverError } from '../errors.ts';

/**
 * Leeway between clocks. A package whose notBefore is up to this far ahead of the server's clock
 * is accepted; one whose notAfter is less than this far ahead is treated as expired (a claimer adds
 * it moments later, by its own clock, and ts-mls refuses an expired package).
 */
export const KEY_PACKAGE_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Stored key packages whose notAfter (ms) is at or before this instant are no longer handed out. */
export function keyPackagesExpireBy(now: Date): number {
  return now.getTime() + KEY_PACKAGE_CLOCK_SKEW_MS;
}

/** Unix seconds from a key package lifetime to ms, capped where the database's numbers stay exact. */
export function lifetimeMs(seconds: number): number {
  return Math.min(seconds * 1000, Number.MAX_SAFE_INTEGER);
}

/** Who may upload: the authenticated device, its person, and the suite the request names. */
export interface KeyPackageUploader {
  deviceId: string;
  person: string;
  suite: number;
}

/**
 * Parse one uploaded key package and check that it is the uploader's, for the request's suite, and
 * valid now; returns its notAfter in ms. Throws KEY_PACKAGE_INVALID naming the package's index.
 */
export function checkUploadedKeyPackage(bytes: Uint8Array, uploader: KeyPackageUploader, now: Date, index: number): number {
  const refuse = (why: string) => serverError('KEY_PACKAGE_INVALID', `keyPackages[${index}] ${why}`);
  let info: MlsKeyPackageInfo;
  try {
    info = inspectKeyPackage(bytes);
  } catch {
    throw refuse('is not a Valise MLS key package');
  }
  if (info.deviceId !== uploader.deviceId) throw refuse("names another device in its credential than the uploader's");
  if (info.person !== uploader.person) throw refuse("names another person in its credential than the uploader's");
  if (info.suite !== uploader.suite) throw refuse(`is for cipher suite ${info.suite}, not ${uploader.suite}`);
  const notAfter = lifetimeMs(info.notAfter);
  if (notAfter <= keyPackagesExpireBy(now)) throw refuse('has expired');
  if (lifetimeMs(info.notBefore) > now.getTime() + KEY_PACKAGE_CLOCK_SKEW_MS) throw refuse('is not valid yet');
  return notAfter;
}
