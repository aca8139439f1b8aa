/**
 * `docker save` archives (.tar, .tar.gz, .tar.zst): manifest.json + config +
 * layer tars, legacy (`<id>/layer.tar`) and Docker 25+ (`blobs/sha256/<hex>`).
 * First pass: read the small JSON members. Second pass: stream the wanted
 * layer members in archive order, each once. Member symlinks
 * (`<id>/layer.tar -> ../<other>/layer.tar`) are followed inside the archive.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { DEFAULT_LIMITS } from './limits.js';
import { DIGEST, parseImageConfig } from './manifest.js';
import { joinPath, normalizePath, parentOf } from './paths.js';
import { digestOf, readAll } from './read-stream.js';
import { forEachTarMember } from './tar-file.js';
import type { ImageEntry, ImageSource, LayerRef, ResolvedImage } from './types.js';

const manifestSchema = z.array(
  z.object({
    Config: z.string(),
    RepoTags: z.array(z.string()).nullish(),
    Layers: z.array(z.string()),
  }),
);

interface ArchiveIndex {
  json: Map<string, Buffer>;
  links: Map<string, string>;
}

interface LoadedImage {
  entry: ImageEntry;
  resolved: ResolvedImage;
  members: Map<string, string>;
}

export interface DockerArchiveOptions {
  /** which image of a multi-image archive (a RepoTags entry) */
  tag?: string;
  maxManifestSize?: number;
  maxArchiveBytes?: number;
}

function looksLikeJson(name: string): boolean {
  return name === 'manifest.json' || name === 'index.json' || name.endsWith('.json') || name.endsWith('/json') || name.startsWith('blobs/') || /^sha256:[a-f0-9]{64}$/.test(name);
}

export class DockerArchiveSource implements ImageSource {
  readonly name: string;
  private loaded?: Promise<LoadedImage>;
  private readonly maxManifestSize: number;
  private readonly maxArchiveBytes: number;

  constructor(
    private readonly file: string,
    private readonly options: DockerArchiveOptions = {},
  ) {
    this.name = `docker-archive:${file}${options.tag ? `:${options.tag}` : ''}`;
    this.maxManifestSize = options.maxManifestSize ?? DEFAULT_LIMITS.maxManifestSize;
    this.maxArchiveBytes = options.maxArchiveBytes ?? DEFAULT_LIMITS.maxImageBytes;
  }

  private async scan(): Promise<ArchiveIndex> {
    const index: ArchiveIndex = { json: new Map(), links: new Map() };
    await forEachTarMember(this.file, this.maxArchiveBytes, async (header, content) => {
      const name = normalizePath(header.name).path;
      if (header.type === 'symlink' || header.type === 'link') {
        const target = header.linkname ?? '';
        index.links.set(name, header.type === 'link' ? normalizePath(target).path : normalizePath(joinPath(parentOf(name), target)).path);
      }
      const size = header.size ?? 0;
      if (header.type === 'file' && looksLikeJson(name) && size <= this.maxManifestSize) {
        const bytes = await readAll(content, this.maxManifestSize, name);
        if (bytes[0] === 0x7b || bytes[0] === 0x5b) index.json.set(name, bytes);
      }
      // anything else is skipped in this pass
    });
    return index;
  }

  /** Follows member symlinks inside the archive. */
  private member(index: ArchiveIndex, name: string): string {
    let current = normalizePath(name).path;
    for (let hops = 0; index.links.has(current); hops++) {
      if (hops > 16) throw new Error(`${this.file}: member link loop at ${name}`);
      current = index.links.get(current) as string;
    }
    return current;
  }

  private async load(): Promise<LoadedImage> {
    const index = await this.scan();
    const manifestBytes = index.json.get('manifest.json');
    if (!manifestBytes) throw new Error(`${this.file}: no manifest.json (not a docker-archive)`);
    const manifest = manifestSchema.parse(JSON.parse(manifestBytes.toString('utf8')));
    const tag = this.options.tag;
    const chosen = tag ? manifest.find((m) => m.RepoTags?.some((t) => t === tag || t.endsWith(`/${tag}`))) : manifest.length === 1 ? manifest[0] : undefined;
    if (!chosen) {
      const tags = manifest.flatMap((m) => m.RepoTags ?? []).join(', ') || 'none';
      throw new Error(`${this.file}: ${tag ? `no image tagged "${tag}"` : `${manifest.length} images in the archive, pick one by tag`} (tags: ${tags})`);
    }
    const configBytes = index.json.get(this.member(index, chosen.Config));
    if (!configBytes) throw new Error(`${this.file}: config ${chosen.Config} not found`);
    const config = parseImageConfig(configBytes);
    if (!config.diffIds || config.diffIds.length !== chosen.Layers.length) {
      throw new Error(`${this.file}: config lists ${config.diffIds?.length ?? 0} diff ids for ${chosen.Layers.length} layers`);
    }
    const members = new Map<string, string>();
    const layers: LayerRef[] = chosen.Layers.map((path, i) => {
      const member = this.member(index, path);
      const blob = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(member);
      const storedDigest = blob && DIGEST.test(`${blob[1]}:${blob[2]}`) ? `${blob[1]}:${blob[2]}` : undefined;
      const diffId = config.diffIds?.[i] as string;
      const digest = storedDigest ?? diffId;
      members.set(digest, member);
      return { digest, diffId, ...(storedDigest ? { storedDigest } : {}) };
    });
    const imageId = digestOf(configBytes);
    const entry: ImageEntry = { digest: imageId, mediaType: 'application/vnd.docker.container.image.v1+json', ...(config.platform ? { platform: config.platform } : {}) };
    return { entry, resolved: { digest: imageId, ...(config.platform ? { platform: config.platform } : {}), layers }, members };
  }

  private image(): Promise<LoadedImage> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  async listImages(): Promise<ImageEntry[]> {
    return [(await this.image()).entry];
  }

  async resolveImage(): Promise<ResolvedImage> {
    return (await this.image()).resolved;
  }

  async streamLayers(layers: LayerRef[], visit: (layer: LayerRef, stream: Readable) => Promise<void>): Promise<void> {
    if (layers.length === 0) return;
    const { members } = await this.image();
    const wanted = new Map<string, LayerRef>();
    for (const layer of layers) {
      const member = members.get(layer.digest);
      if (!member) throw new Error(`${this.file}: layer ${layer.digest} is not part of this image`);
      if (!wanted.has(member)) wanted.set(member, layer);
    }
    await forEachTarMember(this.file, this.maxArchiveBytes, async (header, content) => {
      const layer = header.type === 'file' || header.type === 'contiguous-file' ? wanted.get(normalizePath(header.name).path) : undefined;
      if (!layer) return; // not a wanted layer: skipped
      wanted.delete(normalizePath(header.name).path);
      await visit(layer, Readable.from(content, { objectMode: false }));
    });
    if (wanted.size > 0) throw new Error(`${this.file}: layer member(s) missing: ${[...wanted.keys()].join(', ')}`);
  }
}
