/**
 * Which upstream serves a request, and under which repository name.
 * Order: containerd's `?ns=<host>`, then a first path segment naming an upstream, then `routing.default`.
 * A `?ns=` that no upstream serves is refused: never routed elsewhere, never an open proxy.
 */
import type { Config } from '../config/schema.js';
import { RegistryError } from '../errors.js';

export interface Route {
  upstream: string;
  /** repository name at the upstream (with `library/` for Docker Hub single names) */
  repository: string;
  /** the prefix the client used (`<upstream>/`), kept to write Link headers back */
  prefix: string;
}

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'registry-1.docker.io', 'index.docker.io', 'registry.hub.docker.com']);

export class Router {
  private readonly byHost = new Map<string, string>();
  private readonly hubUpstreams = new Set<string>();
  private readonly names: Set<string>;
  private readonly defaultName: string | undefined;

  constructor(config: Pick<Config, 'upstreams' | 'routing'>) {
    this.names = new Set(Object.keys(config.upstreams));
    for (const [name, u] of Object.entries(config.upstreams)) {
      const host = new URL(u.url).host;
      const hosts = u.registries.length > 0 ? u.registries : [host];
      for (const h of hosts) this.byHost.set(h.toLowerCase(), name);
      if ([host, ...hosts].some((h) => DOCKER_HUB_HOSTS.has(h.toLowerCase()))) {
        this.hubUpstreams.add(name);
        for (const h of DOCKER_HUB_HOSTS) if (!this.byHost.has(h)) this.byHost.set(h, name);
      }
    }
    this.defaultName = config.routing.default ?? (this.names.size === 1 ? [...this.names][0] : undefined);
  }

  /** `name` is the repository path from the URL, already grammar-checked. */
  resolve(name: string, ns: string | undefined): Route {
    if (ns !== undefined) {
      const upstream = this.byHost.get(ns.toLowerCase());
      if (!upstream) throw new RegistryError('NAME_UNKNOWN', `this mirror serves no upstream for registry ${JSON.stringify(ns.slice(0, 100))}`);
      return { upstream, repository: this.normalise(upstream, name), prefix: '' };
    }
    const slash = name.indexOf('/');
    if (slash > 0) {
      const first = name.slice(0, slash);
      if (this.names.has(first)) return { upstream: first, repository: this.normalise(first, name.slice(slash + 1)), prefix: first + '/' };
    }
    if (!this.defaultName) throw new RegistryError('NAME_UNKNOWN', `no upstream for ${name}: prefix it with an upstream name or set routing.default`);
    return { upstream: this.defaultName, repository: this.normalise(this.defaultName, name), prefix: '' };
  }

  private normalise(upstream: string, repo: string): string {
    return this.hubUpstreams.has(upstream) && !repo.includes('/') ? `library/${repo}` : repo;
  }
}
