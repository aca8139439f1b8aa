/**
 * CloudEvents 1.0 in structured JSON mode (the HTTP binding's `application/cloudevents+json`),
 * and the HMAC-SHA256 signature receivers check (`X-Portcullis-Signature: sha256=<hex>`).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** Event names as in the config's `webhooks[].events` and on the gate's emitter. */
export const WEBHOOK_EVENTS = ['pull.denied', 'image.newly_denied', 'scan.failed'] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export const CLOUDEVENT_TYPE_PREFIX = 'dev.portcullis.';
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';
export const SIGNATURE_HEADER = 'x-portcullis-signature';

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  datacontenttype: 'application/json';
  /** "<repository>@<digest>" when the payload names an image */
  subject?: string;
  data: unknown;
}

function imageOf(payload: unknown): { repository?: unknown; digest?: unknown } | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const p = payload as Record<string, unknown>;
  if (typeof p.digest === 'string') return p;
  if (p.verdict && typeof p.verdict === 'object') return p.verdict as Record<string, unknown>;
  return undefined;
}

export function toCloudEvent(event: WebhookEventName, payload: unknown, source: string, now: Date = new Date(), id: string = randomUUID()): CloudEvent {
  const image = imageOf(payload);
  const subject = image && typeof image.digest === 'string'
    ? (typeof image.repository === 'string' ? `${image.repository}@${image.digest}` : image.digest)
    : undefined;
  return {
    specversion: '1.0',
    id,
    source,
    type: CLOUDEVENT_TYPE_PREFIX + event,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    ...(subject ? { subject } : {}),
    data: payload ?? null,
  };
}

/** The exact body sent (and signed); errors inside payloads become their messages. */
export function serializeEvent(e: CloudEvent): string {
  return JSON.stringify(e, (_k, v: unknown) => (v instanceof Error ? v.message : typeof v === 'bigint' ? v.toString() : v));
}

export function signBody(secret: string, body: string | Buffer): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time check of a signature header value against the body (for receivers and tests). */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header.trim());
  return got.length === expected.length && timingSafeEqual(got, expected);
}
