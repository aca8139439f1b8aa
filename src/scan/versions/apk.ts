/**
 * Alpine / Wolfi / Chainguard package versions, ordered by apk-tools' algorithm
 * (apk-tools 3, src/version.c):
 *
 *   digit{.digit}...{letter}{_suffix{digits}}...{~hash}{-r#}
 *
 * The string is read as a sequence of tokens; each token type may only follow
 * certain others, and anything else turns the rest of the string into an
 * "invalid" token. Tokens of the same type are compared pairwise (a dotted
 * component with a leading zero is compared as a string, as in Gentoo); at the
 * first type mismatch the version that ended, or went on with a later-stage
 * token, is the smaller one — except that a pre-release suffix (_alpha, _beta,
 * _pre, _rc) is always smaller than whatever the other side has.
 *
 * One addition: where apk-tools gives up on both strings at the same point (and
 * calls them equal), the unreadable rests are still ordered — see
 * `unreadableOrder`. For valid versions the result is apk-tools' own.
 */
import type { VersionComparer } from './index.js';
import { isAsciiDigit } from './string-order.js';

// Token types, in the order that gives them their meaning (later = "less final").
const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const COMMIT_HASH = 5;
const REVISION_NO = 6;
const END = 7;
const INVALID = 8;

// Suffixes, ordered; NONE is the pivot between pre-release and post-release suffixes.
const SUFFIX_NONE = 5;
const SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['alpha', 1], ['beta', 2], ['pre', 3], ['rc', 4], ['cvs', 6], ['svn', 7], ['git', 8], ['hg', 9], ['p', 10],
]);

const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isLowerHex = (c: number): boolean => isAsciiDigit(c) || (c >= 97 && c <= 102);
const UINT64 = 64;

/** The token reader of apk-tools' `struct token_state` / `token_first` / `token_next`. */
class TokenReader {
  token = INITIAL_DIGIT;
  suffix = 0;
  number = 0n;
  value = '';
  /** Where the current token began: for an invalid token, where the unreadable rest starts. */
  start = 0;
  private pos = 0;

  constructor(private readonly s: string) {
    this.digits();
  }

  rest(): string {
    return this.s.slice(this.start);
  }

  /** apk_blob_pull_uint: decimal digits into a wrapping uint64. */
  private digits(): void {
    const start = this.pos;
    while (this.pos < this.s.length && isAsciiDigit(this.s.charCodeAt(this.pos))) this.pos++;
    this.value = this.s.slice(start, this.pos);
    if (this.value === '') this.token = INVALID;
    else this.number = this.value.length < 16 ? BigInt(Number(this.value)) : BigInt.asUintN(UINT64, BigInt(this.value));
  }

  private span(accept: (c: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.s.length && accept(this.s.charCodeAt(this.pos))) this.pos++;
    return this.s.slice(start, this.pos);
  }

  next(): void {
    const s = this.s;
    this.start = this.pos;
    if (this.pos >= s.length) {
      this.token = END;
      return;
    }
    const c = s.charCodeAt(this.pos);
    if (isLower(c)) {
      if (this.token > DIGIT) return this.invalid();
      this.value = s[this.pos++]!;
      this.token = LETTER;
    } else if (c === 46 /* . */ || isAsciiDigit(c)) {
      if (c === 46) {
        if (this.token > DIGIT) return this.invalid();
        this.pos++;
      }
      if (this.token === INITIAL_DIGIT || this.token === DIGIT) this.token = DIGIT;
      else if (this.token === SUFFIX) this.token = SUFFIX_NO;
      else return this.invalid();
      this.digits();
    } else if (c === 95 /* _ */) {
      if (this.token > SUFFIX_NO) return this.invalid();
      this.pos++;
      this.value = this.span(isLower);
      this.suffix = SUFFIXES.get(this.value) ?? 0;
      if (this.suffix === 0) return this.invalid();
      this.token = SUFFIX;
    } else if (c === 126 /* ~ */) {
      if (this.token >= COMMIT_HASH) return this.invalid();
      this.pos++;
      this.value = this.span(isLowerHex);
      if (this.value === '') return this.invalid();
      this.token = COMMIT_HASH;
    } else if (c === 45 /* - */) {
      if (this.token >= REVISION_NO || !s.startsWith('-r', this.pos)) return this.invalid();
      this.pos += 2;
      this.token = REVISION_NO;
      this.digits();
    } else {
      this.invalid();
    }
  }

  private invalid(): void {
    this.token = INVALID;
  }
}

/** apk-tools' `token_cmp`, for two tokens of the same type. */
function compareTokens(a: TokenReader, b: TokenReader): number {
  switch (a.token) {
    case DIGIT:
      // A dotted component with a leading zero compares as a string (Gentoo's rule).
      if (a.value[0] === '0' || b.value[0] === '0') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
      return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
      return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
    case LETTER:
      return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    case SUFFIX:
      return a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0;
    default:
      return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  }
}

/** apk-tools' `apk_version_compare_fuzzy`: -1, 0 or 1. With `fuzzy`, `b` matching a prefix of `a` is equal. */
function compareFuzzy(left: string, right: string, fuzzy: boolean): number {
  for (;;) {
    const a = new TokenReader(left);
    const b = new TokenReader(right);
    while (a.token === b.token && a.token < END) {
      const r = compareTokens(a, b);
      if (r !== 0) return r;
      a.next();
      b.next();
    }
    if (a.token === INVALID && b.token === INVALID) {
      // Both became unreadable at the same token, everything before it equal: apk-tools
      // stops here and calls them equal, but see `unreadableOrder`.
      const order = unreadableOrder(a, b);
      if (order !== undefined) return order;
      left = a.rest();
      right = b.rest();
      continue;
    }
    if (a.token === b.token) return 0;
    if (b.token === END && fuzzy) return 0;
    if (a.token === SUFFIX && a.suffix < SUFFIX_NONE) return -1;
    if (b.token === SUFFIX && b.suffix < SUFFIX_NONE) return 1;
    return a.token > b.token ? -1 : 1;
  }
}

/**
 * Alpine's security database holds versions apk-tools cannot read to the end
 * (`6.0.2p1-r0` < `6.0.2p1-r1`), so where apk-tools gives up on two of them
 * they are still ordered: the unreadable rests are read again as versions
 * (undefined: go on with the rests), or compared as plain strings when not even
 * their first token reads. A rest that starts at `-` belongs to the package
 * release, where apk-tools' verdict stands: all such rests are equal and sort
 * first. Valid versions never get here.
 */
function unreadableOrder(a: TokenReader, b: TokenReader): number | undefined {
  const restA = a.rest();
  const restB = b.rest();
  const releaseA = restA.startsWith('-');
  const releaseB = restB.startsWith('-');
  if (releaseA || releaseB) return releaseA === releaseB ? 0 : releaseA ? -1 : 1;
  if (a.start === 0 && b.start === 0) return restA < restB ? -1 : restA > restB ? 1 : 0;
  return undefined;
}

/** Orders two apk version strings: -1, 0 or 1 (`apk version -t`). */
export function compareApkVersions(a: string, b: string): number {
  return a === b ? 0 : compareFuzzy(a, b, false);
}

/** apk-tools' `apk_version_validate`. */
export function isValidApkVersion(v: string): boolean {
  const t = new TokenReader(v);
  while (t.token < END) t.next();
  return t.token === END;
}

const EQUAL = 1;
const LESS = 2;
const GREATER = 4;
const FUZZY = 8;

/**
 * apk-tools' `apk_version_match` with an operator as written in dependencies:
 * any combination of `<`, `>`, `=` and `~` (fuzzy: `3.6.9 ~ 3.6`). An operator
 * with other characters matches nothing.
 */
export function matchApkVersion(a: string, op: string, b: string): boolean {
  let mask = 0;
  for (const ch of op) {
    if (ch === '<') mask |= LESS;
    else if (ch === '>') mask |= GREATER;
    else if (ch === '=') mask |= EQUAL;
    else if (ch === '~') mask |= FUZZY | EQUAL;
    else return false;
  }
  if ((mask & (EQUAL | LESS | GREATER)) === (EQUAL | LESS | GREATER)) return true;
  const r = compareFuzzy(a, b, (mask & FUZZY) !== 0);
  const result = r < 0 ? LESS : r > 0 ? GREATER : EQUAL;
  return (result & mask) !== 0;
}

export const apkComparer: VersionComparer = { compare: compareApkVersions, valid: isValidApkVersion };
