/**
 * The orders version schemes are built from: numeric order of ASCII digit runs
 * of any length, without parsing them into numbers (version components
 * routinely exceed 2^53: dates, build stamps), and the string orders of the
 * reference implementations (C bytes / Java and JavaScript UTF-16 units /
 * Python and Go code points).
 */

/** Drops leading zeros; an all-zero or empty string becomes "". */
export function stripLeadingZeros(digits: string): string {
  let i = 0;
  while (i < digits.length && digits.charCodeAt(i) === 48) i++;
  return digits.slice(i);
}

/** Compares two runs of ASCII digits by value: -1, 0 or 1. */
export function compareDecimalStrings(a: string, b: string): number {
  const x = stripLeadingZeros(a);
  const y = stripLeadingZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Plain code-unit order, as -1, 0 or 1 (the stable fallback for unparseable input). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python's and Go's string order: by code point (JavaScript's `<` goes by UTF-16 unit). */
export function compareCodePoints(a: string, b: string): number {
  if (!/[\ud800-\udfff]/.test(a) && !/[\ud800-\udfff]/.test(b)) return compareStrings(a, b);
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** Normalises any number to -1, 0 or 1. */
export function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export const isAsciiDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isAsciiAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
