// JSON from a peer is parsed with its nesting depth bounded first: a 10 KB message of 5,000 nested
// brackets is valid JSON, and walking such a value recursively (JSON.stringify, a validator, an error
// message) overflows the stack. Our messages nest a few levels; anything deeper is refused unparsed.

/** Deeper than any message of ours (a request is 1 level, a contract argument a handful). */
export const MAX_JSON_DEPTH = 32;

export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`nested deeper than ${maxDepth} levels`);
    this.name = 'JsonTooDeepError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The deepest nesting of objects and arrays in `text`, stopping as soon as it passes `limit`. Strings
 * are skipped (a bracket inside one does not count). Linear, no allocation: safe on 16 MiB of input.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote (indexOf runs natively: a 15 MiB string is skipped in a few ms). A quote
      // preceded by an odd number of backslashes is escaped and does not close the string.
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end === -1) return false; // unterminated: JSON.parse will say so
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        i = end;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** JSON.parse, but a value nested deeper than `maxDepth` throws JsonTooDeepError before parsing. */
export function parseBoundedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepthExceeds(text, maxDepth)) throw new JsonTooDeepError(maxDepth);
  return JSON.parse(text);
}
