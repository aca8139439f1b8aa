/**
 * Multi-platform indexes: served when at least one runnable platform manifest is allowed. The
 * children are decided concurrently (through the scan queue); the answer comes with the first
 * allowed child, or when all are decided. The index's own verdict (with every platform's
 * decision) is recorded as its latest verdict once all children are decided.
 */
import type { TraceContext } from '../telemetry/trace-context.js';
import type { Descriptor } from '../scan/image/manifest.js';
import { formatPlatform } from '../scan/image/index.js';
import type { Route } from '../upstream/routing.js';
import type { VerdictStore } from '../verdicts/index.js';
import type { Verdict } from '../verdicts/types.js';
import type { Decider, Trigger } from './decider.js';

/** index verdicts already recorded in each store, by what they say: a warm pull of an index writes nothing */
const recordedIn = new WeakMap<VerdictStore, Set<string>>();

function recordOnce(store: VerdictStore, v: Verdict): Promise<void> {
  const id = `${v.digest}|${v.policyHash}|${v.dbVersion}|${v.decision}|${v.platforms?.map((p) => p.decision).join(',')}`;
  let recorded = recordedIn.get(store);
  if (!recorded) recordedIn.set(store, recorded = new Set());
  if (recorded.has(id)) return Promise.resolve();
  if (recorded.size > 10_000) recorded.clear();
  return store.putLatestVerdict(v).then(() => { recorded!.add(id); }, () => {});
}

interface Decided {
  child: Descriptor;
  verdict: Verdict;
}

function preferred(decided: Decided[]): Decided {
  return decided.find((d) => d.child.platform?.os === 'linux' && d.child.platform.architecture === 'amd64') ?? decided[0]!;
}

/** The index verdict from its children's verdicts (those decided so far). */
export function indexVerdict(indexDigest: string, decided: Decided[], total: number): Verdict {
  const allowed = decided.filter((d) => d.verdict.decision === 'allow');
  const basis = allowed.length > 0 ? preferred(allowed) : preferred(decided);
  const allErrored = allowed.length === 0 && decided.length === total && decided.every((d) => d.verdict.error !== undefined);
  const platforms = decided.map((d) => ({
    digest: d.child.digest,
    ...(d.child.platform ? { platform: formatPlatform(d.child.platform) } : {}),
    decision: d.verdict.decision,
  }));
  const { error: _e, platform: _p, interim: _i, validUntil: _v, ...rest } = basis.verdict;
  return {
    ...rest,
    digest: indexDigest,
    decision: allowed.length > 0 ? 'allow' : 'deny',
    reasons: allowed.length > 0 ? [] : basis.verdict.reasons,
    ...(basis.child.platform ? { platform: formatPlatform(basis.child.platform) } : {}),
    ...(basis.verdict.mode === 'audit' ? { wouldDeny: decided.every((d) => d.verdict.wouldDeny === true) } : {}),
    ...(allErrored ? { error: basis.verdict.error } : {}),
    reportUrl: basis.verdict.reportUrl,
    platforms,
  };
}

export async function decideIndex(
  decider: Decider,
  store: VerdictStore,
  route: Route,
  indexDigest: string,
  children: Descriptor[],
  trigger: Trigger,
  trace?: TraceContext,
): Promise<Verdict> {
  if (children.length === 0) throw new Error(`index ${indexDigest} lists no runnable image`);
  const decided: Decided[] = [];
  const runs = children.map((child) => decider.decide({ route, digest: child.digest, parentIndexDigest: indexDigest, trace }, trigger)
    .then((verdict) => { decided.push({ child, verdict }); return verdict; }));
  const first = await new Promise<Verdict>((resolve) => {
    let left = runs.length;
    for (const run of runs) {
      void run.then((v) => {
        left--;
        if (v.decision === 'allow' || left === 0) resolve(indexVerdict(indexDigest, decided, children.length));
      });
    }
  });
  if (!first.error) await recordOnce(store, first);
  void Promise.all(runs).then(() => {
    const all = indexVerdict(indexDigest, decided, children.length);
    if (!all.error) return recordOnce(store, all);
  }).catch(() => {});
  return first;
}
