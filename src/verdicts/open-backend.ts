/**
 * Opens the verdict store named by `cache.verdicts`: `memory://`, `sqlite://PATH` (relative to the
 * working directory, like every path in the config) or `redis://HOST:PORT/DB` / `rediss://…`.
 * Redis runs without an offline queue, so while it is down every call fails at once (and the gate
 * answers by `policy.onError`) instead of hanging; the client reconnects on its own.
 */
import Keyv from 'keyv';
import KeyvRedis, { createClient } from '@keyv/redis';
import type { Logger } from '../log.js';
import { BoundedMemoryStore } from './bounded-memory-store.js';
import { KeyvSqliteStore } from './keyv-sqlite-store.js';
import { KeyvRecentPulls, RedisRecentPulls, type RecentPulls, type RedisCommands } from './recent-pulls.js';
import { localLock, RedisLock, type DistributedLock, type RedisLockCommands } from './redis-lock.js';

export type BackendKind = 'memory' | 'sqlite' | 'redis';

export interface VerdictBackend {
  kind: BackendKind;
  /** several gateway processes share it */
  shared: boolean;
  keyv: Keyv;
  recentPulls: RecentPulls;
  lock: DistributedLock;
  /** resolves when the store answers */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const NAMESPACE = 'portcullis';
const REDIS_CONNECT_TIMEOUT_MS = 2_000;

export function sqlitePathOf(url: string): string {
  const p = url.slice('sqlite://'.length);
  if (!p) throw new Error(`cache.verdicts ${url}: expected sqlite://PATH`);
  return p;
}

export async function openVerdictBackend(url: string, logger: Logger): Promise<VerdictBackend> {
  const onError = (e: unknown) => logger.debug('verdict store error', { error: e instanceof Error ? e.message : String(e) });
  if (url.startsWith('memory://')) {
    const keyv = new Keyv({ store: new BoundedMemoryStore(), namespace: NAMESPACE, throwOnErrors: true });
    keyv.on('error', onError);
    return { kind: 'memory', shared: false, keyv, recentPulls: new KeyvRecentPulls(keyv), lock: localLock, ping: async () => {}, close: async () => {} };
  }
  if (url.startsWith('sqlite://')) {
    const store = new KeyvSqliteStore(sqlitePathOf(url));
    const keyv = new Keyv({ store, namespace: NAMESPACE, throwOnErrors: true });
    keyv.on('error', onError);
    return {
      kind: 'sqlite', shared: false, keyv, recentPulls: new KeyvRecentPulls(keyv), lock: localLock,
      ping: async () => store.ping(),
      close: async () => store.disconnect(),
    };
  }
  if (url.startsWith('redis://') || url.startsWith('rediss://')) return openRedis(url, logger, onError);
  throw new Error(`cache.verdicts: unsupported store ${url} (expected memory://, sqlite://PATH or redis://HOST:PORT/DB)`);
}

async function openRedis(url: string, logger: Logger, onError: (e: unknown) => void): Promise<VerdictBackend> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: REDIS_CONNECT_TIMEOUT_MS, reconnectStrategy: (attempts: number) => Math.min(50 * 2 ** attempts, 1_000) },
  });
  let down = false;
  client.on('error', (e: Error) => {
    if (!down) logger.warn('verdict store (redis) unreachable; decisions that need it follow policy.onError until it returns', { error: e.message });
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('verdict store (redis) reachable again');
    down = false;
  });
  const connecting = client.connect().catch((e: Error) => onError(e));
  await Promise.race([connecting, new Promise((r) => setTimeout(r, REDIS_CONNECT_TIMEOUT_MS).unref())]);
  const store = new KeyvRedis(client as never, { throwErrors: true, throwOnConnectError: true, namespace: undefined });
  store.on('error', onError);
  const keyv = new Keyv({ store, namespace: NAMESPACE, throwOnErrors: true, useKeyPrefix: false }); // KeyvRedis prefixes "portcullis::"
  keyv.on('error', onError);
  const commands = client as unknown as RedisCommands & RedisLockCommands & { ping(): Promise<string> };
  return {
    kind: 'redis',
    shared: true,
    keyv,
    recentPulls: new RedisRecentPulls(commands, NAMESPACE),
    lock: new RedisLock(commands, NAMESPACE),
    ping: async () => {
      if (!client.isReady) throw new Error('redis is not connected');
      await commands.ping();
    },
    close: async () => {
      if (client.isOpen) await client.disconnect().catch(() => {});
    },
  };
}
