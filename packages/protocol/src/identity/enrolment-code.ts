/**
 * Enrolment codes are Crockford base32 (4 groups of 5, 100 bits) and people type them. Client and
 * server normalise identically: case, dashes and spaces do not matter, and the look-alikes Crockford
 * defines (O for 0, I and L for 1) are read as the digits they resemble.
 */
export function normaliseEnrolmentCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
}
