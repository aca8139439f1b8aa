/**
 * The bounded list of recently pulled manifests (repository, tag, digest, last pull time): what
 * rescans re-decide and what the dashboard lists. memory:// and sqlite:// keep it as one keyv
 * value updated in batches; redis:// keeps it in a sorted set shared by every replica.
 */
import type Keyv from 'keyv';

export interface PullRecord {
  upstream: string;
  repository: string;
  digest: string;
  /** the tag the client asked for, when it pulled by tag */
  tag?: string;
  mediaType?: string;
  /** ISO time of the last pull */
  lastPulledAt: string;
}

export interface RecentPulls {
  record(entries: PullRecord[]): Promise<void>;
  /** newest first */
  list(limit: number): Promise<PullRecord[]>;
}

export const DEFAULT_RECENT_PULLS = 2000;

export function pullIdentity(p: Pick<PullRecord, 'upstream' | 'repository' | 'digest'>): string {
  return `${p.upstream}/${p.repository}@${p.digest}`;
}

/** Newer entries replace older ones of the same upstream/repository@digest; a missing tag keeps the old one. */
export function mergePulls(existing: PullRecord[], incoming: PullRecord[], max: number): PullRecord[] {
  const byId = new Map(existing.map((p) => [pullIdentity(p), p]));
  for (const p of incoming) {
    const old = byId.get(pullIdentity(p));
    const tag = p.tag ?? old?.tag;
    byId.set(pullIdentity(p), { ...old, ...p, ...(tag ? { tag } : {}) });
  }
  return [...byId.values()].sort((a, b) => b.lastPulledAt.localeCompare(a.lastPulledAt)).slice(0, max);
}

export class KeyvRecentPulls implements RecentPulls {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly keyv: Keyv, private readonly max = DEFAULT_RECENT_PULLS, private readonly key = 'recent-pulls') {}

  record(entries: PullRecord[]): Promise<void> {
    const run = this.chain.then(async () => {
      const current = ((await this.keyv.get(this.key)) as PullRecord[] | undefined) ?? [];
      await this.keyv.set(this.key, mergePulls(current, entries, this.max));
    });
    this.chain = run.catch(() => {});
    return run;
  }

  async list(limit: number): Promise<PullRecord[]> {
    const current = ((await this.keyv.get(this.key)) as PullRecord[] | undefined) ?? [];
    return current.slice(0, limit);
  }
}

/** The subset of a node-redis client this module uses. */
export interface RedisCommands {
  zAdd(key: string, members: Array<{ score: number; value: string }>): Promise<number>;
  zCard(key: string): Promise<number>;
  zRange(key: string, min: number, max: number): Promise<string[]>;
  zRem(key: string, members: string[]): Promise<number>;
  hSet(key: string, field: string, value: string): Promise<number>;
  hDel(key: string, fields: string[]): Promise<number>;
  hmGet(key: string, fields: string[]): Promise<Array<string | null>>;
  zRangeWithScores(key: string, min: number, max: number, options?: { REV?: true }): Promise<Array<{ value: string; score: number }>>;
}

export class RedisRecentPulls implements RecentPulls {
  private readonly zkey: string;
  private readonly details: string;
  private readonly tags: string;

  constructor(private readonly client: RedisCommands, prefix: string, private readonly max = DEFAULT_RECENT_PULLS) {
    this.zkey = `${prefix}:pulls`;
    this.details = `${prefix}:pulls:detail`;
    this.tags = `${prefix}:pulls:tag`;
  }

  async record(entries: PullRecord[]): Promise<void> {
    if (entries.length === 0) return;
    for (const p of entries) {
      const id = pullIdentity(p);
      const { tag, lastPulledAt, ...detail } = p;
      await this.client.hSet(this.details, id, JSON.stringify(detail));
      if (tag) await this.client.hSet(this.tags, id, tag);
      await this.client.zAdd(this.zkey, [{ score: Date.parse(lastPulledAt), value: id }]);
    }
    const count = await this.client.zCard(this.zkey);
    if (count > this.max) {
      const old = await this.client.zRange(this.zkey, 0, count - this.max - 1);
      if (old.length) {
        await this.client.zRem(this.zkey, old);
        await this.client.hDel(this.details, old);
        await this.client.hDel(this.tags, old);
      }
    }
  }

  async list(limit: number): Promise<PullRecord[]> {
    if (limit <= 0) return [];
    const ids = await this.client.zRangeWithScores(this.zkey, 0, limit - 1, { REV: true });
    if (ids.length === 0) return [];
    const fields = ids.map((i) => i.value);
    const [details, tags] = await Promise.all([this.client.hmGet(this.details, fields), this.client.hmGet(this.tags, fields)]);
    const out: PullRecord[] = [];
    ids.forEach((entry, i) => {
      const d = details[i];
      if (!d) return;
      const tag = tags[i];
      out.push({ ...(JSON.parse(d) as Omit<PullRecord, 'lastPulledAt' | 'tag'>), ...(tag ? { tag } : {}), lastPulledAt: new Date(entry.score).toISOString() });
    });
    return out;
  }
}
