/** Text rules shared by the note formats. */

/** True when `text` holds an ASCII control character (below U+0020), newline excepted if `allowNewline`. */
export function hasAsciiControl(text: string, allowNewline: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && !(allowNewline && c === 0x0a)) return true;
  }
  return false;
}
