/**
 * The auth layer as a gateway extension: the access middleware (CIDR → authentication → rate
 * limit → authorization → audit) before every route, and the /token route.
 * Listed first in src/main.ts EXTENSIONS so it runs before any other layer's middleware.
 */
import type { CoreServices, Extensions } from '../gateway.js';
import { ConfigError, type ConfigProblem } from '../config/load.js';
import { accessMiddleware } from './access-middleware.js';
import { AuditLog } from './audit.js';
import { Authenticator } from './authenticate.js';
import { CidrError, CidrSet } from './cidr.js';
import { JwtCodec } from './jwt.js';
import { RateLimiter } from './rate-limit.js';
import { defaultUpstream } from './repository-names.js';
import { tokenEndpoint } from './token-endpoint.js';
import { TokenStore } from './token-store.js';

export interface AuthLayer {
  extensions: Extensions;
  /** the live tokens; emits `reload` / `reloadFailed` */
  store: TokenStore;
  limiter: RateLimiter;
}

function cidrSet(texts: readonly string[], at: string, problems: ConfigProblem[]): CidrSet {
  const ok: string[] = [];
  texts.forEach((t, i) => {
    try {
      new CidrSet([t]);
      ok.push(t);
    } catch (e) {
      if (!(e instanceof CidrError)) throw e;
      problems.push({ path: `${at}[${i}]`, message: e.message, got: JSON.stringify(t) });
    }
  });
  return new CidrSet(ok);
}

export async function createAuthLayer(core: CoreServices, opts: { pollMs?: number } = {}): Promise<AuthLayer> {
  const { config, logger, metrics, router } = core;
  const auth = config.auth;
  const problems: ConfigProblem[] = [];
  const allowCidrs = cidrSet(auth.allowCidrs, 'auth.allowCidrs', problems);
  const trustedProxies = cidrSet(config.server.trustedProxies, 'server.trustedProxies', problems);
  if (problems.length > 0) throw new ConfigError('config', problems);

  const store = await TokenStore.open(auth.tokensFile, { logger, pollMs: opts.pollMs });
  if (!auth.anonymous && store.size === 0) {
    logger.warn('auth.anonymous is false and there are no tokens: every request will be refused; create one with `portcullis token create`', { file: store.file });
  }
  if (!auth.jwtSecret) logger.info('auth.jwtSecret is not set: tokens from /token are signed with a per-process key (set it when running several replicas)');
  const jwt = new JwtCodec(auth.jwtSecret, auth.jwtTtl);
  const authenticator = new Authenticator(store, jwt);
  const limiter = new RateLimiter(auth.rateLimit, auth.rateBurst ?? Math.max(1, Math.ceil(auth.rateLimit * 2)));
  const audit = new AuditLog(logger, metrics);
  const shared = {
    anonymous: auth.anonymous,
    publicUrl: config.server.publicUrl,
    listenHost: config.server.listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:'),
    router,
    defaultUpstream: defaultUpstream(config),
    authenticator,
    limiter,
    audit,
  };
  const pruner = setInterval(() => limiter.prune(), 60_000);
  pruner.unref();
  return {
    store,
    limiter,
    extensions: {
      before: [accessMiddleware({ ...shared, metricsPath: config.telemetry.metricsPath, protectMetrics: auth.protectMetrics, allowCidrs, trustedProxies })],
      routes: [tokenEndpoint({ ...shared, jwt })],
      onClose: async () => {
        clearInterval(pruner);
        store.close();
      },
    },
  };
}

/** The ExtensionFactory for src/main.ts. */
export async function authExtension(core: CoreServices): Promise<Extensions> {
  return (await createAuthLayer(core)).extensions;
}
