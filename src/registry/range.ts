/** Single byte ranges (`bytes=a-b`, `bytes=a-`, `bytes=-n`), as registries serve them. */
import { RegistryError } from '../errors.js';

export interface ByteRange { start: number; end: number }

/** undefined = serve the whole blob (no header, or a form we do not serve partially, like multi-range). */
export function parseRange(headerValue: string | undefined, size: number): ByteRange | undefined {
  if (!headerValue) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(headerValue);
  if (!m) return undefined;
  const [, a, b] = m;
  let start: number;
  let end: number;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const n = Number(b);
    if (n === 0) throw unsatisfiable(size);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) throw unsatisfiable(size);
  }
  if (!Number.isSafeInteger(start) || start >= size) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): RegistryError {
  return new RegistryError('RANGE_INVALID', `requested range is not satisfiable for a blob of ${size} bytes`, { headers: { 'content-range': `bytes */${size}` } });
}
