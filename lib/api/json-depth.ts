/**
 * A guard on JSON request bodies: nesting deeper than any route needs is refused before the
 * body is parsed, with a 400 naming the limit. A 10,000-deep body parses, but then every
 * recursive walk over it (validation, the error echoing the value back, JSON.stringify of a
 * response or a log line) overflows the stack.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of objects and arrays in JSON text (strings skipped); stops counting past `limit`. */
export function jsonDepth(buf: Uint8Array, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return deepest;
}

/** body-parser's `verify` hook: throws a 400 for a body nested deeper than `max`. */
export function refuseDeepJson(max = MAX_JSON_DEPTH): (req: unknown, res: unknown, buf: Buffer) => void {
  return (_req, _res, buf) => {
    if (jsonDepth(buf, max) > max) {
      throw Object.assign(new Error(`Request body is nested deeper than ${max} levels`), { status: 400, type: "BODY_TOO_DEEP", expose: true });
    }
  };
}
