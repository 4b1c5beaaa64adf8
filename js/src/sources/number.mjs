// Strict number grammar of SPEC.md §3.1, on bytes. Number() alone is too lax
// ('' -> 0, '0x1A' -> 26, '1_0' -> NaN but 'Infinity' accepted), so the
// grammar is checked here and only valid decimal text reaches Number().

const SPACE = 0x20;
const TAB = 0x09;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

// 10^0 .. 10^22: every one is exact in a double.
const POW10 = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * End of the text read by the last fastDecimal call (after trailing blanks),
 * or -1 when that text was outside the fast path.
 */
export let fastEnd = -1;

/**
 * Fast path for plain decimals, reading buf from `p` (blanks, sign, digits,
 * fraction, exponent, blanks) and stopping before `end` or at the first byte
 * that cannot continue the number; sets `fastEnd` (-1: not handled, use
 * parseNumber). Handled: at most 15 significant digits and a decimal exponent
 * within ±22. Then the digits m < 10^15 < 2^53 and 10^|k| are exact doubles,
 * so the one IEEE operation m * 10^k or m / 10^-k is the correctly rounded
 * result, which is what Number() gives (Clinger's fast path).
 */
export function fastDecimal(buf, p, end) {
  fastEnd = -1;
  while (p < end && (buf[p] === SPACE || buf[p] === TAB)) p++;
  let negative = false;
  if (p < end && (buf[p] === MINUS || buf[p] === PLUS)) {
    negative = buf[p] === MINUS;
    p++;
  }
  let m = 0;
  let sig = 0;
  let digits = 0;
  let scale = 0;
  let c = 0;
  while (p < end && (c = buf[p]) >= ZERO && c <= NINE) {
    digits++;
    if (m !== 0 || c !== ZERO) {
      m = m * 10 + (c - ZERO);
      sig++;
    }
    p++;
  }
  if (p < end && buf[p] === DOT) {
    p++;
    while (p < end && (c = buf[p]) >= ZERO && c <= NINE) {
      digits++;
      scale--;
      if (m !== 0 || c !== ZERO) {
        m = m * 10 + (c - ZERO);
        sig++;
      }
      p++;
    }
  }
  if (digits === 0 || sig > 15) return 0;
  if (p < end && (buf[p] | 0x20) === 0x65) {
    p++;
    let expNegative = false;
    if (p < end && (buf[p] === PLUS || buf[p] === MINUS)) {
      expNegative = buf[p] === MINUS;
      p++;
    }
    let exp = 0;
    let expDigits = 0;
    while (p < end && (c = buf[p]) >= ZERO && c <= NINE) {
      if (exp < 1e6) exp = exp * 10 + (c - ZERO);
      expDigits++;
      p++;
    }
    if (expDigits === 0) return 0;
    scale += expNegative ? -exp : exp;
  }
  while (p < end && (buf[p] === SPACE || buf[p] === TAB)) p++;
  let v;
  if (m === 0) v = 0;
  else if (scale === 0) v = m;
  else if (scale > 0 && scale <= 22) v = m * POW10[scale];
  else if (scale < 0 && scale >= -22) v = m / POW10[-scale];
  else return 0;
  fastEnd = p;
  return negative ? -v : v;
}

function isDigit(c) {
  return c >= ZERO && c <= NINE;
}

// Lower-case ASCII letters of the field [s, e) equal `word`?
function wordIs(buf, s, e, word) {
  if (e - s !== word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if ((buf[s + k] | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Parses bytes buf[start, end) as a float64 (correctly rounded); returns
 * undefined when the text breaks the grammar.
 */
export function parseNumber(buf, start, end) {
  const fast = fastDecimal(buf, start, end);
  if (fastEnd === end) return fast;
  let s = start;
  let e = end;
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  if (s === e) return undefined;
  let p = s;
  let negative = false;
  if (buf[p] === PLUS || buf[p] === MINUS) {
    negative = buf[p] === MINUS;
    p++;
  }
  // Fast path: up to 15 plain digits are exact as a double.
  let value = 0;
  let intDigits = 0;
  while (p < e && isDigit(buf[p])) {
    value = value * 10 + (buf[p] - ZERO);
    intDigits++;
    p++;
  }
  if (p === e && intDigits > 0) {
    if (intDigits <= 15) return negative ? -value : value;
    return Number(buf.toString('latin1', s, e));
  }
  if (intDigits === 0 && p < e && buf[p] !== DOT) {
    // Words: nan, inf, infinity (any case).
    if (wordIs(buf, p, e, 'nan')) return NaN;
    if (wordIs(buf, p, e, 'inf') || wordIs(buf, p, e, 'infinity')) return negative ? -Infinity : Infinity;
    return undefined;
  }
  let fracDigits = 0;
  if (p < e && buf[p] === DOT) {
    p++;
    while (p < e && isDigit(buf[p])) {
      fracDigits++;
      p++;
    }
  }
  if (intDigits === 0 && fracDigits === 0) return undefined;
  if (p < e && (buf[p] | 0x20) === 0x65) {
    p++;
    if (p < e && (buf[p] === PLUS || buf[p] === MINUS)) p++;
    let expDigits = 0;
    while (p < e && isDigit(buf[p])) {
      expDigits++;
      p++;
    }
    if (expDigits === 0) return undefined;
  }
  if (p !== e) return undefined;
  // Valid decimal text; JS Number() accepts exactly this form and rounds correctly.
  return Number(buf.toString('latin1', s, e));
}
