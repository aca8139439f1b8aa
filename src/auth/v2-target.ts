/**
 * What a /v2/ request asks for, in the terms scopes are checked against: the repository as the
 * client named it, the upstream route, the names a glob may match, and the reference (for audit).
 * Parsing reuses the registry's own grammar, so auth and routing can never disagree on a name.
 */
import { parseV2Path } from '../registry/v2-routes.js';
import { checkName } from '../registry/reference.js';
import type { Route, Router } from '../upstream/routing.js';
import { repositoryNames } from './repository-names.js';

export type V2Target =
  | { kind: 'base' }
  /** writes (405) and unknown endpoints (404): the route refuses them without an upstream */
  | { kind: 'refused' }
  | { kind: 'repository'; endpoint: 'manifest' | 'blob' | 'tags' | 'referrers'; clientName: string; route: Route; names: string[]; reference?: string };

/** Throws the registry's RegistryError for a malformed path, name or unknown ?ns=. */
export function v2Target(path: string, method: string, ns: string | undefined, router: Router, defaultName: string | undefined): V2Target {
  const parsed = parseV2Path(path);
  if (!parsed) return { kind: 'refused' };
  if (parsed.kind === 'base') return { kind: 'base' };
  if (parsed.kind === 'upload' || (method !== 'GET' && method !== 'HEAD')) return { kind: 'refused' };
  const clientName = checkName(parsed.name);
  const route = router.resolve(clientName, ns);
  const reference = parsed.kind === 'manifest' ? parsed.ref : parsed.kind === 'tags' ? undefined : parsed.digest;
  const names = repositoryNames(route, clientName, ns !== undefined, defaultName);
  return { kind: 'repository', endpoint: parsed.kind, clientName, route, names, reference: reference?.slice(0, 140) };
}
