/**
 * Repository globs for policy rules and allowlist entries.
 *
 * `*` matches any run of characters, slashes included (`library/*` covers `library/alpine`, and
 * `internal/*` covers `internal/team/app`); `?` matches one character; everything else is literal.
 * A glob is matched against the upstream repository name (`library/alpine`) and against the
 * name qualified by its upstream (`dockerhub/library/alpine`), so rules can single out one upstream.
 */

export interface RepositoryName {
  /** repository at the upstream, e.g. `library/alpine` */
  repository: string;
  /** upstream name from the config, e.g. `dockerhub` */
  upstream?: string;
}

const compiled = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = compiled.get(glob);
  if (!re) {
    const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('');
    re = new RegExp(`^${body}$`);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(glob, re);
  }
  return re;
}

export function repositoryMatches(globs: readonly string[], name: RepositoryName): boolean {
  const qualified = name.upstream ? `${name.upstream}/${name.repository}` : undefined;
  return globs.some((g) => {
    const re = globToRegExp(g);
    return re.test(name.repository) || (qualified !== undefined && re.test(qualified));
  });
}
