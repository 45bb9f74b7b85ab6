// Text from the wire that ends up in a log line or a label: made printable and bounded. A node name
// with a newline once forged a standalone "error:" line in the log, and then labelled its peer in
// every later line (issue 12).

/** Characters that move the cursor, end a line, or reorder text: C0, DEL, C1, line/paragraph separators, bidi controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/** Longest printable text returned, in UTF-16 code units, before an ellipsis. */
export const MAX_PRINTABLE_LENGTH = 64;

/** `text` with every unprintable character written as \xNN or \u{NNNN}, cut to `max` units plus "…". */
export function printable(text: string, max = MAX_PRINTABLE_LENGTH): string {
  const escaped = text.replace(UNPRINTABLE, (character) => {
    const code = character.codePointAt(0) ?? 0;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
  return escaped.length <= max ? escaped : `${escaped.slice(0, max)}…`;
}
