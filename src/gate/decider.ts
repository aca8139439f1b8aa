/**
 * decide(digest): the verdict for one image manifest under the repository's policy and the
 * current database. Order: memory → store (key = digest + policy hash + DB version + scanner
 * version) → stored findings for this database (re-decided without a scan) → older findings while
 * a rescan runs (the previous decision keeps serving) → a scan. Failures decide by policy.onError
 * and are never stored under the key, so the next pull tries again.
 */
import type { Logger } from '../log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Config } from '../config/schema.js';
import { effectivePolicy, evaluatePolicy, needsSignature, policyHash, type EffectivePolicy, type PolicyDecision } from '../policy/index.js';
import type { Report } from '../scan/types.js';
import { withSpan } from '../telemetry/spans.js';
import { NO_TRACE, traceLogFields, type TraceContext } from '../telemetry/trace-context.js';
import { Attr, SpanName } from '../telemetry/attributes.js';
import type { Route } from '../upstream/routing.js';
import { SingleFlight } from '../util/single-flight.js';
import { verdictKeyString, type VerdictKey, type VerdictStore } from '../verdicts/index.js';
import type { SignatureSummary, Verdict } from '../verdicts/types.js';
import { SCANNER_VERSION } from '../version.js';
import type { GateEvents } from './gate-events.js';
import { ScanFailedError, type ReportProvider } from './report-provider.js';
import type { SignatureChecker } from './signature-check.js';
import { stillValid, VerdictMemo } from './verdict-memo.js';
import type { VulnDbHolder } from './vulndb-holder.js';

export interface DecisionTarget {
  route: Route;
  digest: string;
  /** the index this platform manifest was reached through (its signature covers the child) */
  parentIndexDigest?: string;
  /** the trace of the pull (or rescan) asking: the decision's spans are its children */
  trace?: TraceContext;
}

export type Trigger = 'pull' | 'rescan';

export interface DeciderDeps {
  policy: Config['policy'];
  logger: Logger;
  metrics: Metrics;
  store: VerdictStore;
  vulndb: VulnDbHolder;
  reports: ReportProvider;
  signatures: SignatureChecker;
  trustHash: string;
  events: GateEvents;
  reportUrl: (digest: string) => string;
  now?: () => Date;
}

/** A missing signature is checked again after this long (someone may sign the image). */
const SIGNATURE_RECHECK_MS = 5 * 60_000;
/** A failed scan is not retried for this long (the verdict of the failure is served meanwhile). */
const SCAN_FAILURE_RETRY_MS = 15_000;

export function isBlocking(v: Pick<Verdict, 'decision' | 'wouldDeny'>): boolean {
  return v.decision === 'deny' || v.wouldDeny === true;
}

export class Decider {
  private readonly memo = new VerdictMemo();
  private readonly interim = new Map<string, Verdict>();
  private readonly decisions = new SingleFlight<Verdict>();
  private readonly refreshes = new SingleFlight<Verdict>();
  private readonly policies = new Map<string, { policy: EffectivePolicy; hash: string }>();
  private readonly now: () => Date;
  private readonly nowMs: () => number;
  private readonly verdictHits: { inc(): void };
  private readonly verdictMisses: { inc(): void };

  constructor(private readonly deps: DeciderDeps) {
    this.now = deps.now ?? (() => new Date());
    this.nowMs = deps.now ? () => deps.now!().getTime() : Date.now;
    this.verdictHits = deps.metrics.cacheHits.labels({ cache: 'verdict' });
    this.verdictMisses = deps.metrics.cacheMisses.labels({ cache: 'verdict' });
  }

  policyFor(route: Pick<Route, 'upstream' | 'repository'>): { policy: EffectivePolicy; hash: string } {
    const id = `${route.upstream}/${route.repository}`;
    let p = this.policies.get(id);
    if (!p) {
      const policy = effectivePolicy(this.deps.policy, route);
      p = { policy, hash: policyHash(policy, this.deps.trustHash) };
      if (this.policies.size > 10_000) this.policies.clear();
      this.policies.set(id, p);
    }
    return p;
  }

  private keyFor(target: DecisionTarget, hash: string, dbVersion = this.deps.vulndb.version): VerdictKey {
    return { digest: target.digest, policyHash: hash, dbVersion, scannerVersion: SCANNER_VERSION };
  }

  /** version of the database decisions are taken with now */
  get dbVersion(): string {
    return this.deps.vulndb.version;
  }

  /** The verdict in memory for the current policy and database, without waiting (the warm path). */
  cached(target: DecisionTarget): Verdict | undefined {
    const { hash } = this.policyFor(target.route);
    const hit = this.memo.get(`verdict:${target.digest}:${hash}:${this.deps.vulndb.version}:${SCANNER_VERSION}`, this.nowMs());
    if (hit) this.verdictHits.inc();
    return hit;
  }

  /** Counts a verdict served from a caller's own memory (PolicyGate's per-manifest fast path). */
  countHit(): void {
    this.verdictHits.inc();
  }

  /** The verdict to act on now; scans when nothing is known. Never throws. */
  decide(target: DecisionTarget, trigger: Trigger): Promise<Verdict> {
    const { policy, hash } = this.policyFor(target.route);
    const key = this.keyFor(target, hash);
    const id = verdictKeyString(key);
    const hit = this.memo.get(id, this.nowMs());
    if (hit) {
      this.verdictHits.inc();
      return Promise.resolve(hit);
    }
    const interim = this.interim.get(id);
    if (interim) return Promise.resolve(interim);
    return this.decisions.run(id, () => withSpan(target.trace ?? NO_TRACE, SpanName.decide, { [Attr.digest]: target.digest, [Attr.repository]: target.route.repository }, (_span, trace) =>
      this.resolve({ ...target, trace }, policy, key, trigger).catch((e: unknown) => this.failed(target, policy, hash, e))));
  }

  private async resolve(target: DecisionTarget, policy: EffectivePolicy, key: VerdictKey, trigger: Trigger): Promise<Verdict> {
    const id = verdictKeyString(key);
    const stored = await this.deps.store.getVerdict(key);
    if (stored && stillValid(stored, this.nowMs())) {
      this.verdictHits.inc();
      this.memo.set(id, stored);
      return stored;
    }
    this.verdictMisses.inc();
    const report = await this.deps.reports.stored(target.digest);
    if (report) return this.finish(target, policy, key.policyHash, report, trigger);
    if (trigger === 'pull') {
      const interim = await this.interimVerdict(target, policy, key.policyHash);
      if (interim) {
        if ('error' in this.deps.vulndb.current()) return interim; // rescanned when the database is back
        this.interim.set(id, interim);
        void this.refresh(target);
        return interim;
      }
    }
    const scanned = await this.deps.reports.obtain(target.route, target.digest, trigger, target.trace ?? NO_TRACE);
    return this.finish(target, policy, key.policyHash, scanned, trigger);
  }

  /**
   * Re-decides in the background under the current database (rescans). Meanwhile pulls are
   * answered from the previous findings, so a rescan never blocks an image.
   */
  refresh(target: DecisionTarget): Promise<Verdict> {
    const { policy, hash } = this.policyFor(target.route);
    const id = verdictKeyString(this.keyFor(target, hash));
    return this.refreshes.run(id, async () => {
      try {
        if (!this.interim.has(id) && !this.memo.get(id, this.nowMs())) {
          const interim = await this.interimVerdict(target, policy, hash).catch(() => undefined);
          if (interim) this.interim.set(id, interim);
        }
        const report = await this.deps.reports.obtain(target.route, target.digest, 'rescan', target.trace ?? NO_TRACE);
        return await this.finish(target, policy, hash, report, 'rescan');
      } catch (e) {
        return this.failed(target, policy, hash, e);
      } finally {
        this.interim.delete(id);
      }
    });
  }

  /** The previous findings of the digest (an older database), decided under the current policy. */
  private async interimVerdict(target: DecisionTarget, policy: EffectivePolicy, hash: string): Promise<Verdict | undefined> {
    const previous = await this.deps.store.getLatestReport(target.digest);
    if (!previous) return undefined;
    const latest = await this.deps.store.getLatestVerdict(target.digest);
    const signature = latest?.signature ?? { verified: false, skipped: true };
    const decision = evaluatePolicy({ ...target.route, report: previous, signature, now: this.now() }, policy);
    return { ...this.build(target, hash, decision, previous, signature), interim: true };
  }

  /** What is known without scanning: memory, the keyed verdict, the latest verdict. Throws when the store fails. */
  async known(target: DecisionTarget): Promise<Verdict | undefined> {
    const { hash } = this.policyFor(target.route);
    const key = this.keyFor(target, hash);
    const id = verdictKeyString(key);
    const hit = this.memo.get(id, this.nowMs()) ?? this.interim.get(id);
    if (hit) return hit;
    const stored = await this.deps.store.getVerdict(key);
    if (stored) {
      this.memo.set(id, stored);
      return stored;
    }
    return this.deps.store.getLatestVerdict(target.digest);
  }

  private build(target: DecisionTarget, hash: string, d: PolicyDecision, report: Report | undefined, signature: SignatureSummary): Verdict {
    return {
      digest: target.digest,
      repository: target.route.repository,
      upstream: target.route.upstream,
      decision: d.decision,
      mode: d.mode,
      reasons: d.reasons,
      summary: d.summary,
      signature,
      policyHash: hash,
      dbVersion: report?.dbVersion ?? this.deps.vulndb.version,
      decidedAt: this.now().toISOString(),
      reportUrl: this.deps.reportUrl(target.digest),
      ...(d.wouldDeny !== undefined ? { wouldDeny: d.wouldDeny } : {}),
      ...(d.allowlisted.length ? { allowlisted: d.allowlisted } : {}),
      ...(d.error !== undefined ? { error: d.error } : {}),
      ...(d.validUntil ? { validUntil: d.validUntil } : {}),
      scannerVersion: report?.scanner.version ?? SCANNER_VERSION,
      ...(report?.platform ? { platform: report.platform } : {}),
    };
  }

  private async finish(target: DecisionTarget, policy: EffectivePolicy, hash: string, report: Report, trigger: Trigger): Promise<Verdict> {
    const trace = target.trace ?? NO_TRACE;
    const signature = await this.deps.signatures.check(target.route, target.digest, policy, target.parentIndexDigest, trace);
    const decision = await withSpan(trace, SpanName.policy, { [Attr.digest]: target.digest }, async () =>
      evaluatePolicy({ ...target.route, report, signature, now: this.now() }, policy));
    const verdict = this.build(target, hash, decision, report, signature);
    if (needsSignature(policy) && !signature.verified) {
      const recheck = new Date(this.now().getTime() + SIGNATURE_RECHECK_MS).toISOString();
      if (!verdict.validUntil || recheck < verdict.validUntil) verdict.validUntil = recheck;
    }
    const previous = await this.deps.store.getLatestVerdict(target.digest).catch(() => undefined);
    const key = this.keyFor(target, hash, report.dbVersion);
    await this.deps.store.putVerdict(key, verdict);
    this.memo.set(verdictKeyString(key), verdict);
    this.deps.metrics.verdicts.inc({ decision: verdict.decision, mode: verdict.mode });
    this.deps.events.safeEmit('verdict', verdict);
    if (verdict.wouldDeny) this.deps.logger.warn('audit mode: this image would be denied', { digest: verdict.digest, repository: verdict.repository, reasons: verdict.reasons.length });
    const newly = previous && !previous.error && !isBlocking(previous) && isBlocking(verdict) && (trigger === 'rescan' || previous.dbVersion !== verdict.dbVersion);
    if (newly) {
      this.deps.metrics.newlyDenied.inc();
      this.deps.logger.warn('image newly denied after a database update', {
        digest: verdict.digest, repository: verdict.repository, dbVersion: verdict.dbVersion, previousDbVersion: previous.dbVersion,
        mode: verdict.mode, reasons: verdict.reasons.length,
      });
      this.deps.events.safeEmit('image.newly_denied', verdict, previous, target.trace ?? NO_TRACE);
    }
    return verdict;
  }

  /** A decision that could not be made: onError decides; recorded as the latest verdict, never under the key. */
  private async failed(target: DecisionTarget, policy: EffectivePolicy, hash: string, e: unknown): Promise<Verdict> {
    const message = e instanceof Error ? e.message : String(e);
    const decision = evaluatePolicy({ ...target.route, error: message, now: this.now() }, policy);
    const verdict = this.build(target, hash, decision, undefined, { verified: false, skipped: true });
    this.deps.metrics.verdicts.inc({ decision: verdict.decision, mode: verdict.mode });
    this.deps.logger.warn('could not decide; policy.onError applies', { digest: target.digest, repository: target.route.repository, onError: policy.onError, error: message, ...traceLogFields(target.trace) });
    await this.deps.store.putLatestVerdict(verdict).catch(() => {});
    if (e instanceof ScanFailedError) {
      // remembered briefly so a client retrying a broken image does not rescan it each time
      this.memo.set(verdictKeyString(this.keyFor(target, hash)), { ...verdict, validUntil: new Date(this.nowMs() + SCAN_FAILURE_RETRY_MS).toISOString() });
    }
    this.deps.events.safeEmit('verdict', verdict);
    this.deps.events.safeEmit('scan.failed', verdict, message, target.trace ?? NO_TRACE);
    return verdict;
  }
}
