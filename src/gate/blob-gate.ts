/**
 * Blob gating: a blob is served only when a manifest of the same repository that references it
 * (config or layer) is allowed — or is a non-runnable artifact (signature, SBOM) that passed.
 * Which manifests reference a blob is kept in memory and in the verdict store (written before
 * the manifest is first served), so replicas and restarts know it without re-reading manifests.
 */
import { RegistryError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PullRequest } from '../registry/pull-gate.js';
import type { Route } from '../upstream/routing.js';
import type { VerdictStore } from '../verdicts/index.js';
import type { Verdict } from '../verdicts/types.js';
import type { Decider } from './decider.js';
import { refusal } from './denial.js';

const ARTIFACT = 'artifact:';
const MAX_ENTRIES = 200_000;
const MAX_WRITTEN = 100_000;

export function repositoryKey(route: Pick<Route, 'upstream' | 'repository'>): string {
  return `${route.upstream}/${route.repository}`;
}

export class BlobGate {
  private readonly refs = new Map<string, Set<string>>();
  private readonly written = new Set<string>();
  /** repository@manifest already remembered in memory (the warm path skips the per-blob work) */
  private readonly seen = new Set<string>();

  constructor(
    private readonly store: VerdictStore,
    private readonly decider: Decider,
    private readonly logger: Logger,
    private readonly reportUrl: (digest: string) => string,
    private readonly retryAfterSeconds: number,
  ) {}

  private remember(entry: string, manifest: string): void {
    let set = this.refs.get(entry);
    if (set) this.refs.delete(entry);
    else set = new Set();
    set.add(manifest);
    this.refs.set(entry, set);
    if (this.refs.size > MAX_ENTRIES) this.refs.delete(this.refs.keys().next().value!);
  }

  /**
   * Notes that `manifestDigest` (passed or decided) of the route's repository references `blobs`.
   * Returns a promise only when there is something to store (the first pull of it in this process).
   */
  record(route: Route, manifestDigest: string, blobs: string[], artifact = false): Promise<void> | undefined {
    const repo = `${route.upstream}/${route.repository}`;
    const id = `${repo}@${manifestDigest}`;
    if (this.written.has(id)) return undefined;
    return this.persistRefs(repo, id, manifestDigest, blobs, artifact);
  }

  private async persistRefs(repo: string, id: string, manifestDigest: string, blobs: string[], artifact: boolean): Promise<void> {
    const ref = artifact ? `${ARTIFACT}${manifestDigest}` : manifestDigest;
    if (!this.seen.has(id)) {
      for (const b of blobs) this.remember(`${repo}|${b}`, ref);
      this.seen.add(id);
      if (this.seen.size > MAX_WRITTEN) this.seen.clear();
    }
    if (blobs.length === 0) return;
    try {
      await this.store.addBlobRefs(repo, ref, blobs);
      this.written.add(id);
      if (this.written.size > MAX_WRITTEN) this.written.clear();
    } catch (e) {
      this.logger.debug('could not store blob references; this process still knows them', { repository: repo, error: (e as Error).message });
    }
  }

  private notReferenced(req: PullRequest, digest: string): RegistryError {
    return new RegistryError('DENIED',
      `blob ${digest} is not part of any image of ${req.route.repository} this gateway has allowed — pull the image by its tag or digest (the manifest first) through this gateway`);
  }

  /** Throws a refusal unless the blob belongs to an allowed manifest (or artifact) of the repository. */
  async check(req: PullRequest, digest: string, onError: 'deny' | 'allow'): Promise<void> {
    if (req.bypass) return;
    const repo = repositoryKey(req.route);
    let refs: string[];
    let denied: Verdict | undefined;
    let pending = false;
    try {
      const known = this.refs.get(`${repo}|${digest}`);
      refs = known ? [...known] : await this.store.getBlobRefs(repo, digest);
      for (const ref of refs) {
        if (ref.startsWith(ARTIFACT)) return;
        const verdict = await this.decider.known({ route: req.route, digest: ref });
        if (verdict?.decision === 'allow') {
          if (!known) this.remember(`${repo}|${digest}`, ref);
          return;
        }
        if (verdict) denied ??= verdict;
        else pending = true;
      }
    } catch (e) {
      if (onError === 'allow') {
        this.logger.warn('blob check failed; policy.onError is allow, so the blob is served', { repository: repo, digest, error: (e as Error).message });
        return;
      }
      throw new RegistryError('UNAVAILABLE', `cannot check blob ${digest} of ${req.route.repository}: ${(e as Error).message}; policy.onError is deny — retry in ${this.retryAfterSeconds}s`,
        { headers: { 'Retry-After': String(this.retryAfterSeconds) } });
    }
    if (denied) throw refusal(denied, this.reportUrl(denied.digest), this.retryAfterSeconds);
    if (pending) {
      // its manifest was served before the verdict (scanTimeout passed and onError allows)
      if (onError === 'allow') return;
      throw new RegistryError('UNAVAILABLE', `blob ${digest} belongs to an image of ${req.route.repository} whose scan is still running — retry in ${this.retryAfterSeconds}s`,
        { headers: { 'Retry-After': String(this.retryAfterSeconds) } });
    }
    throw this.notReferenced(req, digest);
  }
}
