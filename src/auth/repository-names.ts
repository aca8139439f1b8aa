/**
 * The names a scope glob is matched against for one /v2/ request:
 *
 *   1. `<upstream>/<repository>` always — the canonical, unambiguous form (`dockerhub/library/alpine`);
 *   2. `<repository>` when the request goes to the default upstream (`library/alpine`), so plain
 *      globs mean "repositories of the default upstream" whether the client sent `?ns=` or not;
 *   3. the name exactly as the client wrote it in the path, when it sent no `?ns=` (`alpine`, or
 *      `ghcr/acme/app` for the prefix form).
 *
 * Repositories of other upstreams are therefore only matched by globs that name the upstream
 * (`ghcr/acme/*`) or span every upstream (`**`, or a glob whose first segment is `*`).
 */
import type { Config } from '../config/schema.js';
import type { Route } from '../upstream/routing.js';

export function defaultUpstream(config: Pick<Config, 'upstreams' | 'routing'>): string | undefined {
  const names = Object.keys(config.upstreams);
  return config.routing.default ?? (names.length === 1 ? names[0] : undefined);
}

export function repositoryNames(route: Route, clientName: string, viaNs: boolean, defaultName: string | undefined): string[] {
  const names = [`${route.upstream}/${route.repository}`];
  if (route.upstream === defaultName && !names.includes(route.repository)) names.push(route.repository);
  if (!viaNs && !names.includes(clientName)) names.push(clientName);
  return names;
}
