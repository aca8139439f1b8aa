/**
 * Python packages: `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO`,
 * `*.egg/EGG-INFO/PKG-INFO` and single-file `*.egg-info` (distutils).
 * The display name is kept; matchers normalise it (PEP 503, see purl.ts).
 */
import type { Cataloger, CatalogerOutput } from './cataloger.js';

const METADATA_FILE = /(?:\.dist-info\/METADATA|\.egg-info\/PKG-INFO|\.egg\/EGG-INFO\/PKG-INFO|\.egg-info)$/;

/** Reads the RFC 822 header block (up to the first blank line). */
export function parseMetadataHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') break;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      headers.set(last, `${headers.get(last)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    // repeated headers (Classifier, Requires-Dist) keep the first value; Name/Version appear once
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
  }
  return headers;
}

export const pypiCataloger: Cataloger = {
  id: 'pypi',
  version: 1,
  wants(path) {
    return METADATA_FILE.test(path);
  },
  parse(path, bytes): CatalogerOutput {
    const headers = parseMetadataHeaders(bytes.toString('utf8').replace(/^\uFEFF/, ''));
    const name = headers.get('name');
    const version = headers.get('version');
    if (!name || !version) throw new Error('no Name or Version header');
    return { packages: [{ name, version, kind: 'pypi' }] };
  },
};
