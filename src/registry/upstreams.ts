/** The set of upstream clients, by name. */
import type { UpstreamClient } from '../upstream/client.js';
import { RegistryError } from '../errors.js';

export class Upstreams {
  constructor(private readonly clients: Map<string, UpstreamClient>) {}

  get(name: string): UpstreamClient {
    const c = this.clients.get(name);
    if (!c) throw new RegistryError('NAME_UNKNOWN', `no upstream named ${name}`);
    return c;
  }

  all(): UpstreamClient[] { return [...this.clients.values()]; }

  async close(): Promise<void> {
    await Promise.all(this.all().map((c) => c.close()));
  }
}
