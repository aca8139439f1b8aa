/**
 * apk (Alpine, Wolfi, Chainguard): `lib/apk/db/installed`, one block per
 * package, `K:value` lines; P name, V version, A arch, o origin.
 */
import type { Cataloger, CatalogerOutput, RawPackage } from './cataloger.js';

export const APK_INSTALLED = 'lib/apk/db/installed';

interface Block {
  fields: Map<string, string>;
}

function readBlocks(text: string): { blocks: Block[]; malformed: number } {
  const blocks: Block[] = [];
  let current: Block | undefined;
  let malformed = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') {
      if (current) blocks.push(current);
      current = undefined;
      continue;
    }
    if (line.length < 2 || line[1] !== ':') {
      malformed++;
      continue;
    }
    current ??= { fields: new Map() };
    const key = line[0] as string;
    // file lists repeat keys (F:, R:, Z:); the package fields appear once, first wins
    if (!current.fields.has(key)) current.fields.set(key, line.slice(2));
  }
  if (current) blocks.push(current);
  return { blocks, malformed };
}

export const apkCataloger: Cataloger = {
  id: 'apk',
  version: 1,
  wants(path) {
    return path === APK_INSTALLED;
  },
  parse(path, bytes, ctx): CatalogerOutput {
    const { blocks, malformed } = readBlocks(bytes.toString('utf8'));
    if (malformed > 0) ctx.warn(`apk: ${path}: ${malformed} malformed line(s) ignored`);
    const packages: RawPackage[] = [];
    for (const { fields } of blocks) {
      const name = fields.get('P');
      const version = fields.get('V');
      if (!name || !version) continue;
      const arch = fields.get('A');
      packages.push({
        name,
        version,
        kind: 'apk',
        source: fields.get('o') || name,
        sourceVersion: version,
        ...(arch ? { arch } : {}),
      });
    }
    return { packages };
  },
};
