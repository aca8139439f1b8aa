/**
 * Cross-replica single flight: a Redis lock (SET NX PX) held while one replica scans a digest,
 * renewed while the work runs and released only by its owner (compare-and-delete script).
 * memory:// and sqlite:// stores serve one process, whose in-process single flight suffices.
 */
import { randomBytes } from 'node:crypto';

export interface HeldLock {
  release(): Promise<void>;
}

export interface DistributedLock {
  /** undefined when another holder has it */
  tryAcquire(name: string, ttlMs: number): Promise<HeldLock | undefined>;
  /** true while someone holds the lock */
  isHeld(name: string): Promise<boolean>;
}

/** One process: in-process single flight already makes the work unique. */
export const localLock: DistributedLock = {
  async tryAcquire() {
    return { async release() {} };
  },
  async isHeld() {
    return false;
  },
};

export interface RedisLockCommands {
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
  exists(key: string): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

export class RedisLock implements DistributedLock {
  constructor(private readonly client: RedisLockCommands, private readonly prefix: string) {}

  async tryAcquire(name: string, ttlMs: number): Promise<HeldLock | undefined> {
    const key = `${this.prefix}:lock:${name}`;
    const token = randomBytes(12).toString('hex');
    const ok = await this.client.set(key, token, { NX: true, PX: ttlMs });
    if (ok !== 'OK') return undefined;
    const renew = setInterval(() => {
      this.client.eval(EXTEND, { keys: [key], arguments: [token, String(ttlMs)] }).catch(() => {});
    }, Math.max(100, Math.floor(ttlMs / 3)));
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        await this.client.eval(RELEASE, { keys: [key], arguments: [token] });
      },
    };
  }

  async isHeld(name: string): Promise<boolean> {
    return (await this.client.exists(`${this.prefix}:lock:${name}`)) === 1;
  }
}
