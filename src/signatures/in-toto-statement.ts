/**
 * Reads the in-toto statement carried by a DSSE bundle and checks it is about
 * the image digest. Called only after the envelope signature verified.
 */
import { IN_TOTO_PAYLOAD_TYPE } from './media-types.js';
import { SignatureSourceError, parseJsonObject, short } from './checked-fetch.js';

export interface StatementSummary {
  predicateType: string;
}

export function readStatementAbout(
  payloadType: string,
  payload: Buffer,
  imageDigest: string,
): StatementSummary {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SignatureSourceError(`DSSE payload type is ${payloadType}, not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  const statement = parseJsonObject(payload, 'in-toto statement');
  if (typeof statement.predicateType !== 'string' || statement.predicateType === '') {
    throw new SignatureSourceError('in-toto statement has no predicateType');
  }
  if (!Array.isArray(statement.subject)) {
    throw new SignatureSourceError('in-toto statement has no subject list');
  }
  const [algorithm, hex] = imageDigest.split(':');
  const digests = statement.subject.map((s) => (s as { digest?: Record<string, unknown> } | null)?.digest);
  if (!digests.some((d) => d && typeof d === 'object' && d[algorithm as string] === hex)) {
    const named = digests
      .flatMap((d) => (d && typeof d === 'object' ? Object.entries(d).map(([a, v]) => `${a}:${String(v)}`) : []))
      .map(short)
      .join(', ');
    throw new SignatureSourceError(
      `statement subject names ${named || 'no digest'}, not ${short(imageDigest)}`,
    );
  }
  return { predicateType: statement.predicateType };
}
