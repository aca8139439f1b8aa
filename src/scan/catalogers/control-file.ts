/**
 * Parser for Debian control-style files (dpkg `status`, `status.d/*`):
 * paragraphs separated by blank lines, `Field: value` lines, continuation
 * lines starting with a space or a tab. Field names are case-insensitive.
 */

export type Paragraph = Map<string, string>;

export interface ControlFile {
  paragraphs: Paragraph[];
  /** lines that are neither a field nor a continuation */
  malformedLines: number;
}

export function parseControlFile(text: string): ControlFile {
  const paragraphs: Paragraph[] = [];
  let current: Paragraph | undefined;
  let lastField: string | undefined;
  let malformedLines = 0;

  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') {
      if (current && current.size > 0) paragraphs.push(current);
      current = undefined;
      lastField = undefined;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current && lastField !== undefined) {
        current.set(lastField, `${current.get(lastField) ?? ''}\n${line.slice(1)}`);
      } else {
        malformedLines++;
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      malformedLines++;
      continue;
    }
    current ??= new Map();
    lastField = line.slice(0, colon).trim().toLowerCase();
    current.set(lastField, line.slice(colon + 1).trim());
  }
  if (current && current.size > 0) paragraphs.push(current);
  return { paragraphs, malformedLines };
}
