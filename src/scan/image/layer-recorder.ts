/**
 * Turns the tar entries of one layer into a LayerAnalysis: hands wanted files
 * to catalogers (in memory, under the size cap), records links, whiteouts
 * and opaque directories. Later entries for the same path win, as in tar.
 */
import type { Cataloger, CatalogerOutput } from '../catalogers/cataloger.js';
import type { ImageBudget, ImageLimits } from './limits.js';
import { normalizePath, whiteoutMarker } from './paths.js';
import type { EntryContent } from './tar-reader.js';
import type { LayerFile } from './types.js';

const MAX_WARNINGS = 50;

/** The tar header fields the recorder reads (a TarHeader). */
export interface EntryHeader {
  name: string;
  type?: string | null;
  size?: number | null;
  mode?: number | null;
  linkname?: string | null;
}

function startsWithMagic(bytes: Buffer, length: number, magic: Uint8Array): boolean {
  return length >= magic.length && bytes.subarray(0, magic.length).equals(magic);
}

export class LayerRecorder {
  readonly files = new Map<string, LayerFile>();
  readonly symlinks = new Map<string, string>();
  readonly whiteouts: string[] = [];
  readonly opaqueDirs: string[] = [];
  /** size and mode of recorded files, for hard links to them */
  private readonly stats = new Map<string, { size: number; mode: number }>();
  private readonly warningList: string[] = [];
  private droppedWarnings = 0;
  /** reused for every wanted file: catalogers parse synchronously and keep no reference to the bytes */
  private scratch = Buffer.alloc(0);
  entries = 0;

  constructor(
    private readonly catalogers: readonly Cataloger[],
    private readonly limits: ImageLimits,
    private readonly budget: ImageBudget,
  ) {}

  get warnings(): string[] {
    return this.droppedWarnings > 0 ? [...this.warningList, `${this.droppedWarnings} more warning(s) not shown`] : [...this.warningList];
  }

  warn(message: string): void {
    if (this.warningList.length < MAX_WARNINGS) this.warningList.push(message);
    else this.droppedWarnings++;
  }

  /** Records one entry; content it does not read is skipped by the tar reader. */
  async add(header: EntryHeader, content: EntryContent): Promise<void> {
    this.budget.addEntry();
    this.entries++;
    const { path, escaped } = normalizePath(header.name);
    if (escaped) this.warn(`tar entry "${header.name}" climbs above the image root; read as "/${path}"`);
    const marker = path === '' ? undefined : whiteoutMarker(path);
    if (path === '' || marker) {
      if (marker?.kind === 'opaque') this.opaqueDirs.push(marker.dir);
      if (marker?.kind === 'whiteout') this.whiteouts.push(marker.target);
      return;
    }
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        return this.addFile(path, header.size ?? 0, header.mode ?? 0, content);
      case 'symlink':
        this.files.delete(path);
        this.symlinks.set(path, header.linkname ?? '');
        break;
      case 'link':
        this.addHardLink(path, normalizePath(header.linkname ?? '').path);
        break;
      default:
        // directories, devices and fifos replace a same-layer file or link at that path
        this.files.delete(path);
        this.symlinks.delete(path);
    }
  }

  /** A hard link shares its target's content: reuse the target's outputs, or resolve it like a symlink. */
  private addHardLink(path: string, target: string): void {
    this.files.delete(path);
    this.symlinks.delete(path);
    const targetFile = this.files.get(target);
    const stat = this.stats.get(target);
    if (targetFile && 'outputs' in targetFile && stat) {
      const outputs = Object.fromEntries(Object.entries(targetFile.outputs).filter(([id]) => this.catalogers.find((c) => c.id === id)?.wants(path, stat.size, stat.mode)));
      this.files.set(path, { outputs });
      this.stats.set(path, stat);
    } else {
      this.symlinks.set(path, `/${target}`);
    }
  }

  private async addFile(path: string, size: number, mode: number, content: EntryContent): Promise<void> {
    this.symlinks.delete(path);
    let wanting = this.catalogers.filter((c) => c.wants(path, size, mode));
    if (wanting.length === 0) {
      this.files.delete(path);
      return;
    }
    if (size > this.limits.maxFileSize) {
      this.files.set(path, { skipped: `larger than maxFileSize (${size} > ${this.limits.maxFileSize} bytes)` });
      this.warn(`${path}: ${size} bytes, over maxFileSize (${this.limits.maxFileSize}); not read by ${wanting.map((c) => c.id).join(', ')}`);
      return;
    }

    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.min(Math.max(size, this.scratch.length * 2, 64 * 1024), this.limits.maxFileSize));
    const bytes = this.scratch.subarray(0, size);
    let length = 0;
    let magicChecked = !wanting.some((c) => c.magic);
    for await (const chunk of content) {
      if (length + chunk.length > size) throw new Error(`tar entry ${path} is longer than its header says`);
      chunk.copy(bytes, length);
      length += chunk.length;
      if (!magicChecked && (length >= 16 || length === size)) {
        magicChecked = true;
        wanting = wanting.filter((c) => !c.magic || startsWithMagic(bytes, length, c.magic));
        if (wanting.length === 0) break;
      }
    }
    if (length < size && wanting.length > 0) throw new Error(`tar entry ${path} is truncated`);

    const outputs: Record<string, CatalogerOutput> = {};
    const ctx = { warn: (message: string) => this.warn(message) };
    for (const cataloger of wanting) {
      try {
        outputs[cataloger.id] = cataloger.parse(path, bytes, ctx);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        outputs[cataloger.id] = { error: message };
        this.warn(`${cataloger.id}: ${path}: ${message}`);
      }
    }
    this.files.set(path, { outputs });
    this.stats.set(path, { size, mode });
  }
}
