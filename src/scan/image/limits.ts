/** Bounds that keep a hostile image from exhausting memory, CPU or time. */

export interface ImageLimits {
  /** decompressed bytes over all layers of one image (default 16 GiB) */
  maxImageBytes: number;
  /** tar entries over all layers of one image (default 2,000,000) */
  maxEntries: number;
  /** largest file a cataloger may read; larger wanted files are skipped with a warning (default 128 MiB) */
  maxFileSize: number;
  /** largest manifest, index or config document (default 4 MiB) */
  maxManifestSize: number;
  /** symlinks followed while resolving one path (default 40, as Linux) */
  maxSymlinkHops: number;
  /** nesting of indexes inside indexes (default 4) */
  maxIndexDepth: number;
}

export const DEFAULT_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxImageBytes: 16 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxFileSize: 128 * 1024 ** 2,
  maxManifestSize: 4 * 1024 ** 2,
  maxSymlinkHops: 40,
  maxIndexDepth: 4,
});

export function resolveLimits(overrides: Partial<ImageLimits> = {}): ImageLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`image limit ${name} must be a positive integer, got ${value}`);
  }
  return limits;
}

/** Thrown when an image exceeds a limit: the scan fails (closed), nothing is cached. */
export class ImageLimitError extends Error {
  override readonly name = 'ImageLimitError';
  constructor(
    readonly limit: keyof ImageLimits,
    readonly value: number,
    message: string,
  ) {
    super(message);
  }
}

/** Shared by every layer of one image: counts decompressed bytes and tar entries. */
export class ImageBudget {
  private bytes = 0;
  private entries = 0;
  constructor(private readonly limits: ImageLimits) {}

  addBytes(count: number): void {
    this.bytes += count;
    if (this.bytes > this.limits.maxImageBytes) {
      throw new ImageLimitError('maxImageBytes', this.limits.maxImageBytes, `image exceeds ${this.limits.maxImageBytes} decompressed bytes (maxImageBytes); possible decompression bomb`);
    }
  }

  addEntry(): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw new ImageLimitError('maxEntries', this.limits.maxEntries, `image exceeds ${this.limits.maxEntries} tar entries (maxEntries)`);
    }
  }

  get usedBytes(): number {
    return this.bytes;
  }
}
