/**
 * What a client presents in `Authorization`:
 *   Bearer pcs_…        a token (containerd hosts.toml header, scripts)
 *   Bearer <JWT>        a JWT from our /token endpoint (the Docker token flow)
 *   Basic user:pcs_…    a token as the password, any username (docker/podman login, skopeo --creds)
 */
import { isTokenShaped } from './token-secret.js';

export type Presented =
  | { kind: 'none' }
  | { kind: 'token'; secret: string }
  | { kind: 'jwt'; jwt: string }
  | { kind: 'malformed'; why: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_AUTHORIZATION = 8192;

/** The password of a Basic credential, or undefined when the header is not valid Basic. */
export function basicPassword(value: string): { username: string; password: string } | undefined {
  const m = /^basic[ \t]+([A-Za-z0-9+/=_-]+)[ \t]*$/i.exec(value);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function presentedCredential(authorization: string | undefined): Presented {
  if (authorization === undefined || authorization === '') return { kind: 'none' };
  if (authorization.length > MAX_AUTHORIZATION) return { kind: 'malformed', why: 'Authorization header too long' };
  const bearer = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (bearer) {
    const v = bearer[1]!;
    if (isTokenShaped(v)) return { kind: 'token', secret: v };
    if (JWT_SHAPE.test(v)) return { kind: 'jwt', jwt: v };
    return { kind: 'malformed', why: 'the bearer credential is neither a portcullis token (pcs_…) nor a token from /token' };
  }
  if (/^basic[ \t]/i.test(authorization)) {
    const b = basicPassword(authorization);
    if (!b) return { kind: 'malformed', why: 'malformed Basic credentials' };
    if (isTokenShaped(b.password)) return { kind: 'token', secret: b.password };
    return { kind: 'malformed', why: 'the password is not a portcullis token: use any username and a token (pcs_…) as the password' };
  }
  return { kind: 'malformed', why: 'unsupported Authorization scheme: use Bearer <token> or Basic with the token as password' };
}
