/** Parsing of `WWW-Authenticate` challenges (RFC 7235), as registries send them. Linear-time tokenizer. */

export interface Challenge {
  scheme: string; // lowercased: bearer, basic
  params: Record<string, string>;
}

const TOKEN = /[A-Za-z0-9!#$%&'*+.^_`|~-]/;

/** Parses one or more challenges: `Bearer realm="…",service="…",scope="…", Basic realm="…"`. */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (!header) return [];
  const s = (Array.isArray(header) ? header.join(', ') : header).slice(0, 16_384);
  const out: Challenge[] = [];
  let i = 0;
  const skipWs = () => { while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++; };
  const readToken = () => { const st = i; while (i < s.length && TOKEN.test(s[i]!)) i++; return s.slice(st, i); };
  let current: Challenge | undefined;
  while (i < s.length) {
    skipWs();
    if (s[i] === ',') { i++; continue; }
    const start = i;
    const tok = readToken();
    if (!tok) { i++; continue; }
    skipWs();
    if (s[i] === '=' && current) {
      i++;
      skipWs();
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        const st = i;
        while (i < s.length && s[i] !== ',' && s[i] !== ' ') i++;
        value = s.slice(st, i);
      }
      current.params[tok.toLowerCase()] = value;
    } else if (s[i] === '=') {
      // a parameter without a scheme: ignore up to the next comma
      while (i < s.length && s[i] !== ',') i++;
    } else {
      current = { scheme: tok.toLowerCase(), params: {} };
      out.push(current);
      if (i === start) i++;
    }
  }
  return out;
}
