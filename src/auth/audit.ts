/**
 * The audit trail: one JSON line per access decision (`"msg":"audit"`) saying who (token name or
 * anonymous, and the client address), what (method, path, repository, reference), the decision
 * and why. A break-glass pull adds a loud `warn` line (`"msg":"break-glass"`) for each manifest
 * request (its blobs carry `"result":"break_glass"` in their audit lines).
 * Never token material: no header values and no query strings are logged.
 */
import type { Logger } from '../log.js';
import type { Metrics } from '../telemetry/metrics.js';

/** The `result` label of portcullis_auth_decisions_total. */
export type DecisionResult =
  | 'allow' | 'break_glass'
  | 'cidr_denied' | 'unauthenticated' | 'invalid' | 'expired' | 'revoked' | 'out_of_scope' | 'not_admin' | 'rate_limited';

/** Where a request came from and what it asked for, whatever the decision. */
export interface AuditRequest {
  ip: string;
  method: string;
  path: string;
  area: string;
}

/** The repository a /v2/ request is for. */
export interface AuditTarget {
  /** `<upstream>/<repository>` */
  repository: string;
  /** the repository as the client named it */
  name: string;
  /** manifest, blob, tags, referrers */
  endpoint: string;
  reference?: string;
}

export class AuditLog {
  constructor(private readonly logger: Logger, private readonly metrics: Metrics) {}

  /** Fields are built in one fixed shape (no spreads: this runs for every request). */
  record(req: AuditRequest, who: string, via: 'token' | 'jwt' | undefined, result: DecisionResult, why: string, target?: AuditTarget): void {
    this.metrics.authDecisions.inc({ result });
    const fields = {
      who, via, ip: req.ip, method: req.method, path: req.path.length > 300 ? req.path.slice(0, 300) : req.path, area: req.area,
      repository: target?.repository, name: target?.name, endpoint: target?.endpoint, reference: target?.reference,
      decision: result === 'allow' || result === 'break_glass' ? 'allow' : 'deny', result, why,
    };
    this.logger.info('audit', fields);
    if (result === 'break_glass' && target?.endpoint === 'manifest') {
      this.logger.warn('break-glass', { ...fields, note: 'a bypass: grant takes this repository past policy; the verdict records it' });
    }
  }
}
