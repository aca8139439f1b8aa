/**
 * When the vulnerability database changes, the recently pulled images are decided again in the
 * background, at low priority. Each keeps its previous decision until its new verdict is stored,
 * so a rescan never blocks a pull; digests that become denied are logged and counted.
 */
import type { CoreServices } from '../gateway.js';
import type { Logger } from '../log.js';
import type { Route } from '../upstream/routing.js';
import { DEFAULT_RECENT_PULLS, type VerdictStore } from '../verdicts/index.js';
import type { Verdict } from '../verdicts/types.js';
import { isBlocking, type Decider, type DecisionTarget } from './decider.js';
import type { GateEvents } from './gate-events.js';
import { classifyManifest } from './manifest-kind.js';
import type { PullRecorder } from './pull-recorder.js';

export class Rescanner {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly core: Pick<CoreServices, 'manifestStore'>,
    private readonly store: VerdictStore,
    private readonly decider: Decider,
    private readonly recorder: PullRecorder,
    private readonly events: GateEvents,
    private readonly logger: Logger,
  ) {}

  /** Starts a round (or queues one more if a round is running). Resolves when the rounds are done. */
  trigger(dbVersion: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.round(dbVersion).catch((e: unknown) => this.logger.error('rescan failed', { error: (e as Error).message }));
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** The image manifests to re-decide: recent pulls, with indexes expanded to their platform images. */
  private async targets(): Promise<DecisionTarget[]> {
    await this.recorder.flush();
    const pulls = await this.store.recentPulls(DEFAULT_RECENT_PULLS);
    const targets = new Map<string, DecisionTarget>();
    for (const p of pulls) {
      const route: Route = { upstream: p.upstream, repository: p.repository, prefix: '' };
      const manifest = await this.core.manifestStore.get(p.digest);
      const kind = manifest ? classifyManifest(manifest) : { kind: 'image' as const, blobs: [] };
      if (kind.kind === 'artifact') continue;
      const images = kind.kind === 'index' ? kind.children.map((c) => ({ route, digest: c.digest, parentIndexDigest: p.digest })) : [{ route, digest: p.digest }];
      for (const t of images) targets.set(`${p.upstream}/${p.repository}@${t.digest}`, t);
    }
    return [...targets.values()];
  }

  private async round(dbVersion: string): Promise<void> {
    const started = Date.now();
    const targets = await this.targets();
    this.logger.info('vulnerability database changed: re-deciding recent pulls in the background', { dbVersion, digests: targets.length });
    let newlyDenied = 0;
    let failed = 0;
    await Promise.all(targets.map(async (t) => {
      if (this.stopped) return;
      const previous: Verdict | undefined = await this.store.getLatestVerdict(t.digest).catch(() => undefined);
      const verdict = await this.decider.refresh(t);
      if (verdict.error !== undefined) failed++;
      else if (previous && !previous.error && !isBlocking(previous) && isBlocking(verdict)) newlyDenied++;
    }));
    const summary = { dbVersion, digests: targets.length, newlyDenied, failed };
    this.logger.info('rescan finished', { ...summary, ms: Date.now() - started });
    this.events.safeEmit('rescan.finished', summary);
  }

  /** No new rounds (shutdown); a running round stops starting new re-decisions. */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves when no round is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
