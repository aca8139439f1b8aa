/**
 * The `WWW-Authenticate` challenge of the Docker token flow:
 *   Bearer realm="<publicUrl>/token",service="<host>",scope="repository:<name>:pull"
 * Without `server.publicUrl`, the base URL is taken from the request's Host header (checked to be a
 * plain host[:port]); set publicUrl when the gateway sits behind a proxy or load balancer.
 */

const HOST_RE = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

export interface TokenRealm {
  realm: string;
  service: string;
}

export function tokenRealm(publicUrl: string | undefined, requestHost: string, secure: boolean, fallbackHost: string): TokenRealm {
  if (publicUrl) {
    const u = new URL(publicUrl);
    return { realm: `${publicUrl.replace(/\/+$/, '')}/token`, service: u.host };
  }
  const host = HOST_RE.test(requestHost) ? requestHost : fallbackHost;
  return { realm: `${secure ? 'https' : 'http'}://${host}/token`, service: host };
}

/** `scope` is e.g. `repository:library/alpine:pull`; names are grammar-checked before they get here. */
export function bearerChallenge(r: TokenRealm, scope?: string): string {
  return `Bearer realm="${r.realm}",service="${r.service}"` + (scope ? `,scope="${scope}"` : '');
}
