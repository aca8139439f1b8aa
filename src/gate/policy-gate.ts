/**
 * The PullGate the gateway core calls before it serves a manifest or a blob. Manifests: artifacts
 * pass, images are decided by digest, indexes by their platform images; a first pull waits at
 * most policy.scanTimeout for its verdict (then policy.onError: 503 with Retry-After while the
 * scan goes on, or serve). Enforce mode never serves an image without a verdict that allows it.
 * Blobs: see BlobGate.
 */
import type { Logger } from '../log.js';
import type { PullGate, PullRequest } from '../registry/pull-gate.js';
import type { StoredManifest } from '../storage/manifest-store.js';
import { withSpan } from '../telemetry/spans.js';
import { traceLogFields } from '../telemetry/trace-context.js';
import { Attr, SpanName } from '../telemetry/attributes.js';
import type { VerdictStore } from '../verdicts/index.js';
import type { Verdict } from '../verdicts/types.js';
import type { BlobGate } from './blob-gate.js';
import type { Decider } from './decider.js';
import { refusal, scanPending } from './denial.js';
import type { GateEvents } from './gate-events.js';
import { decideIndex } from './index-decision.js';
import { classifyManifest, type ManifestKind } from './manifest-kind.js';
import type { PullRecorder } from './pull-recorder.js';

export interface PolicyGateDeps {
  decider: Decider;
  blobs: BlobGate;
  store: VerdictStore;
  recorder: PullRecorder;
  events: GateEvents;
  logger: Logger;
  scanTimeoutMs: number;
  retryAfterSeconds: number;
  reportUrl: (digest: string) => string;
}

const MAX_KINDS = 10_000;

type Waited = { verdict: Verdict } | { timedOut: true };

/** What a warm pull of one manifest object needs: no string keys built, no maps hashed. */
interface WarmEntry {
  upstream: string;
  repository: string;
  dbVersion: string;
  verdict: Verdict;
  until: number;
  /** recent-pulls id */
  pullId: string;
}

async function within(p: Promise<Verdict>, ms: number): Promise<Waited> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Waited>((resolve) => { timer = setTimeout(() => resolve({ timedOut: true }), ms); });
  try {
    return await Promise.race([p.then((verdict) => ({ verdict })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class PolicyGate implements PullGate {
  /** manifests are immutable by digest: their classification is too */
  private readonly kinds = new Map<string, ManifestKind>();
  /** keyed by the manifest store's object for the digest (the same object while it stays in its memory) */
  private readonly warm = new WeakMap<StoredManifest, WarmEntry>();

  constructor(private readonly deps: PolicyGateDeps) {}

  private kindOf(m: StoredManifest): ManifestKind {
    let k = this.kinds.get(m.digest);
    if (!k) {
      k = classifyManifest(m);
      if (this.kinds.size >= MAX_KINDS) this.kinds.delete(this.kinds.keys().next().value!);
      this.kinds.set(m.digest, k);
    }
    return k;
  }

  async manifest(req: PullRequest, m: StoredManifest, byTag: boolean): Promise<void> {
    const { route } = req;
    const reference = req.reference;
    const w = this.warm.get(m);
    if (w && w.repository === route.repository && w.upstream === route.upstream && w.dbVersion === this.deps.decider.dbVersion && w.until > Date.now() && !req.bypass) {
      this.deps.recorder.record(route.upstream, route.repository, m.digest, m.mediaType, byTag ? reference : undefined, w.pullId);
      this.deps.decider.countHit();
      return this.enforce(req, m, w.verdict, reference);
    }
    const kind = this.kindOf(m);
    this.deps.recorder.record(route.upstream, route.repository, m.digest, m.mediaType, byTag ? reference : undefined);
    if (kind.kind === 'artifact') {
      await this.deps.blobs.record(route, m.digest, kind.blobs, true);
      return;
    }
    if (kind.kind === 'image' && !req.bypass) {
      const known = this.deps.decider.cached({ route, digest: m.digest });
      if (known) return this.act(req, m, kind, known, reference);
    }
    const decision = kind.kind === 'index'
      ? decideIndex(this.deps.decider, this.deps.store, route, m.digest, kind.children, 'pull', req.trace)
      : this.deps.decider.decide({ route, digest: m.digest, trace: req.trace }, 'pull');
    if (req.bypass) {
      this.deps.logger.warn('break-glass: serving without waiting for policy', { repository: route.repository, digest: m.digest, principal: req.principal, ...traceLogFields(req.trace) });
      decision.catch(() => {});
      if (kind.kind === 'image') await this.deps.blobs.record(route, m.digest, kind.blobs);
      return;
    }
    const waited = await withSpan(req.trace, SpanName.gateWait, { [Attr.digest]: m.digest }, () => within(decision, this.deps.scanTimeoutMs));
    if ('timedOut' in waited) {
      if (kind.kind === 'image') await this.deps.blobs.record(route, m.digest, kind.blobs);
      const { policy } = this.deps.decider.policyFor(route);
      if (policy.onError === 'deny' && policy.mode === 'enforce') throw scanPending(m.digest, this.deps.scanTimeoutMs, this.deps.retryAfterSeconds);
      this.deps.logger.warn('serving before the verdict: the scan is past policy.scanTimeout', { repository: route.repository, digest: m.digest, onError: policy.onError, mode: policy.mode, ...traceLogFields(req.trace) });
      return;
    }
    return this.act(req, m, kind, waited.verdict, reference);
  }

  /** Serve (return) or refuse (throw) by the verdict; a promise only when blob references must be stored first. */
  private act(req: PullRequest, m: StoredManifest, kind: ManifestKind, verdict: Verdict, reference: string | undefined): Promise<void> | undefined {
    const recording = kind.kind === 'image' ? this.deps.blobs.record(req.route, m.digest, kind.blobs) : undefined;
    if (recording) return recording.then(() => this.enforce(req, m, verdict, reference));
    if (kind.kind === 'image' && !verdict.interim && verdict.error === undefined) {
      const { upstream, repository } = req.route;
      this.warm.set(m, {
        upstream, repository, dbVersion: verdict.dbVersion, verdict, pullId: `${upstream}/${repository}@${m.digest}`,
        until: verdict.validUntil ? Date.parse(verdict.validUntil) : Infinity,
      });
    }
    this.enforce(req, m, verdict, reference);
    return undefined;
  }

  private enforce(req: PullRequest, m: StoredManifest, verdict: Verdict, reference: string | undefined): void {
    const { route } = req;
    if (verdict.decision === 'deny') {
      this.deps.events.safeEmit('pull.denied', verdict, { upstream: route.upstream, repository: route.repository, ...(reference ? { reference } : {}), ...(req.principal ? { principal: req.principal } : {}) }, req.trace);
      throw refusal(verdict, this.deps.reportUrl(verdict.digest), this.deps.retryAfterSeconds);
    }
    if (verdict.error !== undefined) this.deps.logger.warn('served despite a failed decision (policy.onError: allow)', { repository: route.repository, digest: m.digest, error: verdict.error });
  }

  async blob(req: PullRequest, digest: string): Promise<void> {
    const { policy } = this.deps.decider.policyFor(req.route);
    await this.deps.blobs.check(req, digest, policy.mode === 'audit' ? 'allow' : policy.onError);
  }
}
