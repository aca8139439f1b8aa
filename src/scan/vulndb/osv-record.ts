/**
 * OSV record validation (schema: ossf/osv-schema `validation/schema.json`).
 *
 * The essential rules of the JSON schema are written here with zod:
 * required `id` and `modified`, RFC 3339 UTC timestamps, the type of every
 * known field, range types (`GIT`/`SEMVER`/`ECOSYSTEM`), events holding exactly
 * one of introduced/fixed/last_affected/limit, at least one `introduced` per
 * range, `fixed` and `last_affected` never in the same range, GIT ranges with a
 * `repo`, severity types and their vector patterns, and top-level `severity`
 * excluding `affected[].severity`.
 *
 * Deliberately relaxed (forward compatibility — a newer record must not be lost
 * by an older scanner, and a lost record is a missed vulnerability):
 * - unknown fields are kept, not rejected (the schema's top-level
 *   `additionalProperties: false`; e.g. the `_provenance` of trimmed GHSA files);
 * - the id-prefix and ecosystem-name enums (new databases and ecosystems appear
 *   often); an id must still be a non-empty token without slashes or spaces;
 * - the full-length commit-hash pattern of GIT events (GIT ranges are never
 *   evaluated; six real PYSEC records carry abbreviated hashes);
 * - reference and credit `type` enums and the `uri` format of references.
 */
import { z } from 'zod';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const RECORD_ID = /^[^\s/\\]{1,255}$/;

const CVSS_V2 =
  /^((AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))\/)*(AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))$/;
const CVSS_V3 =
  /^CVSS:3[.][01]\/((AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])\/)*(AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])$/;
const CVSS_V4 =
  /^CVSS:4[.]0\/AV:[NALP]\/AC:[LH]\/AT:[NP]\/PR:[NLH]\/UI:[NPA]\/VC:[HLN]\/VI:[HLN]\/VA:[HLN]\/SC:[HLN]\/SI:[HLN]\/SA:[HLN](\/E:[XAPU])?(\/CR:[XHML])?(\/IR:[XHML])?(\/AR:[XHML])?(\/MAV:[XNALP])?(\/MAC:[XLH])?(\/MAT:[XNP])?(\/MPR:[XNLH])?(\/MUI:[XNPA])?(\/MVC:[XNLH])?(\/MVI:[XNLH])?(\/MVA:[XNLH])?(\/MSC:[XNLH])?(\/MSI:[XNLHS])?(\/MSA:[XNLHS])?(\/S:[XNP])?(\/AU:[XNY])?(\/R:[XAUI])?(\/V:[XDC])?(\/RE:[XLMH])?(\/U:(X|Clear|Green|Amber|Red))?$/;
const SCORE_PATTERNS: Record<string, RegExp> = { CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu: /^(negligible|low|medium|high|critical)$/ };

const timestamp = z.string().regex(TIMESTAMP, 'expected an RFC 3339 UTC timestamp');
const stringList = z.array(z.string());
const jsonObject = z.record(z.string(), z.unknown());

const severityEntry = z
  .looseObject({ type: z.enum(['CVSS_V2', 'CVSS_V3', 'CVSS_V4', 'Ubuntu']), score: z.string() })
  .refine((s) => SCORE_PATTERNS[s.type]!.test(s.score), { message: 'score does not match its type', path: ['score'] });
const severityList = z.array(severityEntry).nullable();

const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
export type OsvEventKind = (typeof EVENT_KINDS)[number];

const rangeEvent = jsonObject.superRefine((event, ctx) => {
  const kinds = EVENT_KINDS.filter((k) => k in event);
  if (kinds.length !== 1) ctx.addIssue({ code: 'custom', message: 'an event holds exactly one of introduced, fixed, last_affected, limit' });
  else if (typeof event[kinds[0]!] !== 'string') ctx.addIssue({ code: 'custom', message: `${kinds[0]} must be a string` });
});

const range = z
  .looseObject({
    type: z.enum(['GIT', 'SEMVER', 'ECOSYSTEM']),
    repo: z.string().optional(),
    events: z.array(rangeEvent).min(1),
    database_specific: jsonObject.optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.events.some((e) => 'introduced' in e)) ctx.addIssue({ code: 'custom', message: 'events must contain an introduced event', path: ['events'] });
    if (r.events.some((e) => 'fixed' in e) && r.events.some((e) => 'last_affected' in e))
      ctx.addIssue({ code: 'custom', message: 'last_affected and fixed events are mutually exclusive', path: ['events'] });
    if (r.type === 'GIT' && r.repo === undefined) ctx.addIssue({ code: 'custom', message: 'GIT ranges require a repo', path: ['repo'] });
  });

const affected = z.looseObject({
  package: z.looseObject({ ecosystem: z.string().min(1), name: z.string(), purl: z.string().optional() }).optional(),
  severity: severityList.optional(),
  ranges: z.array(range).optional(),
  versions: stringList.optional(),
  ecosystem_specific: jsonObject.optional(),
  database_specific: jsonObject.optional(),
});

export const osvRecordSchema = z
  .looseObject({
    schema_version: z.string().optional(),
    id: z.string().regex(RECORD_ID, 'expected a non-empty id without spaces or slashes'),
    modified: timestamp,
    published: timestamp.optional(),
    withdrawn: timestamp.optional(),
    aliases: stringList.nullable().optional(),
    related: stringList.optional(),
    upstream: stringList.optional(),
    summary: z.string().optional(),
    details: z.string().optional(),
    severity: severityList.optional(),
    affected: z.array(affected).nullable().optional(),
    references: z.array(z.looseObject({ type: z.string(), url: z.string() })).nullable().optional(),
    credits: z.array(z.looseObject({ name: z.string(), contact: stringList.optional(), type: z.string().optional() })).optional(),
    database_specific: jsonObject.optional(),
  })
  .superRefine((rec, ctx) => {
    if (rec.severity != null && rec.affected?.some((a) => a.severity != null))
      ctx.addIssue({ code: 'custom', message: 'top-level severity excludes affected[].severity', path: ['severity'] });
  });

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}
export interface OsvSeverity {
  type: 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4' | 'Ubuntu';
  score: string;
}
export interface OsvRange {
  type: 'GIT' | 'SEMVER' | 'ECOSYSTEM';
  repo?: string;
  events: OsvEvent[];
}
export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  severity?: OsvSeverity[] | null;
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}
/** The fields of an OSV record the scanner reads (records keep every other field too). */
export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[] | null;
  related?: string[];
  upstream?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[] | null;
  affected?: OsvAffected[] | null;
  database_specific?: Record<string, unknown>;
  [field: string]: unknown;
}

export type RecordValidation = { ok: true; record: OsvRecord } | { ok: false; reason: string };

/** Validates a parsed JSON value; the record returned is the input itself (nothing stripped). */
export function validateOsvRecord(value: unknown): RecordValidation {
  const result = osvRecordSchema.safeParse(value);
  if (result.success) return { ok: true, record: value as OsvRecord };
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : '(record)';
  return { ok: false, reason: `${where}: ${issue.message}` };
}
