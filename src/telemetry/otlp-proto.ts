/**
 * OTLP/protobuf encoding of finished spans (an ExportTraceServiceRequest), byte for byte what
 * OpenTelemetry's ProtobufTraceSerializer writes (the same field order and defaults, checked by
 * otlp-proto.test.ts and span-recorder.test.ts), for about half its CPU (bench/telemetry.ts
 * measures the ratio): strings are written by a JIT-friendly ASCII loop instead of a TextEncoder
 * call each, keys and names are encoded once, ids are copied from their bytes or decoded from hex
 * in place, and a request's spans (span-recorder.ts) are written in one pass whose lengths are
 * known up front (recordedSpanFast), an attribute whose value repeats from the span of that name
 * before as one copy of its kept encoding. With every request traced, encoding is paid for each
 * of a cached manifest GET's 3 spans.
 *
 * Field numbers: opentelemetry-proto, trace/v1/trace.proto and common/v1/common.proto.
 */
import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** OTLP span flags: bit 8 says whether bit 9 (the parent is remote) is known. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
/** the flags of a sampled span whose parent is not remote */
const SAMPLED_LOCAL = 0x01 | HAS_IS_REMOTE;

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

import { RecordedSpan, SPAN_LIMIT, epochOfPerformanceInto } from './span-recorder.js';

const epoch = new Float64Array(2);

/** Strings from a bounded set (attribute keys, span names) are encoded once: length prefix and UTF-8 bytes. */
const ENCODED = new Map<string, Buffer>();
const MAX_ENCODED = 4096;
/** Strings longer than this are written by Buffer#write (one native call) rather than a loop per character. */
const NATIVE_FROM = 24;

/** The kept encoding (length prefix and UTF-8) of a string of a bounded set; undefined once the set is full. */
function encodedKnown(s: string): Buffer | undefined {
  let e = ENCODED.get(s);
  if (!e) {
    if (ENCODED.size >= MAX_ENCODED) return undefined;
    const utf8 = Buffer.from(s, 'utf8');
    const w = new Writer(utf8.length + 5);
    w.varint(utf8.length);
    e = Buffer.concat([w.buf.subarray(0, w.pos), utf8]);
    ENCODED.set(s, e);
  }
  return e;
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** The last whole second a time was written for, as nanoseconds in two 32-bit halves (the times of a batch share a few seconds). */
let lastSec = -1;
let lastSecLo = 0;
let lastSecHi = 0;

/**
 * sec * 1e9 as two 32-bit halves, without leaving exact integer arithmetic: sec is split so every
 * product stays below 2^53. Math.floor, never %: a floating-point remainder is a call into C.
 */
function splitSeconds(sec: number): void {
  const secLo = sec & 0xffff;
  const secHi = (sec - secLo) / 0x10000;
  const low = secLo * 1e9; // < 2^46
  const lowHigh = Math.floor(low / 0x100000000);
  const highPart = secHi * 1e9; // to be shifted left 16 bits
  const highPartHigh = Math.floor(highPart / 0x10000);
  const lowWord = (low - lowHigh * 0x100000000) + (highPart - highPartHigh * 0x10000) * 0x10000; // < 2^33
  const carry = lowWord >= 0x100000000 ? 1 : 0;
  lastSecLo = lowWord - carry * 0x100000000;
  lastSecHi = lowHigh + highPartHigh + carry;
  lastSec = sec;
}

/** A growable buffer with the protobuf primitives. Length prefixes reserve one byte and move the body when it is longer. */
class Writer {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(v: number): void {
    this.grow(10);
    const b = this.buf;
    if (v >= 0 && v <= 0xffffffff) {
      let x = v >>> 0;
      while (x > 0x7f) { b[this.pos++] = (x & 0x7f) | 0x80; x >>>= 7; }
      b[this.pos++] = x;
      return;
    }
    // 64 bits as two 32-bit halves; a negative int64 is its two's complement (a 10-byte varint)
    const magnitude = Math.abs(v);
    let lo = magnitude >>> 0;
    let hi = Math.floor(magnitude / 0x100000000) >>> 0;
    if (v < 0) {
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0; // the +1 carries into the high half when the low half wraps to 0
    }
    while (hi > 0 || lo > 0x7f) {
      b[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[this.pos++] = lo;
  }

  tag(field: number, wire: number): void {
    const key = (field << 3) | wire;
    if (key > 0x7f) return this.varint(key);
    this.grow(1);
    this.buf[this.pos++] = key;
  }

  /** `length` bytes of `from` at `at`, length-prefixed (an id kept as bytes) */
  idBytes(from: Buffer, at: number, length: number): void {
    this.grow(1 + length);
    const b = this.buf;
    let p = this.pos;
    b[p++] = length;
    for (let i = 0; i < length; i++) b[p++] = from[at + i]!;
    this.pos = p;
  }

  fixed32(v: number): void {
    this.grow(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** nanoseconds since the epoch from an HrTime, without leaving exact integer arithmetic */
  time(t: HrTime): void {
    this.epochTime(t[0], t[1]);
  }

  /** a performance.now() reading as nanoseconds since the epoch (what RecordedSpan's startTime/endTime say) */
  performanceTime(ms: number): void {
    epochOfPerformanceInto(ms, epoch);
    this.epochTime(epoch[0]!, epoch[1]!);
  }

  private epochTime(sec: number, nanos: number): void {
    this.grow(8);
    if (sec !== lastSec) splitSeconds(sec);
    // nanos < 1e9, so adding it carries at most 1 into the high half
    let lo = lastSecLo + nanos;
    let hi = lastSecHi;
    if (lo >= 0x100000000) { lo -= 0x100000000; hi++; }
    // byte stores: Buffer#writeUInt32LE range-checks its value first, twice per time
    const b = this.buf;
    let p = this.pos;
    b[p++] = lo & 0xff; b[p++] = (lo >>> 8) & 0xff; b[p++] = (lo >>> 16) & 0xff; b[p++] = (lo >>> 24) & 0xff;
    b[p++] = hi & 0xff; b[p++] = (hi >>> 8) & 0xff; b[p++] = (hi >>> 16) & 0xff; b[p++] = (hi >>> 24) & 0xff;
    this.pos = p;
  }

  double(v: number): void {
    this.grow(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** a length-prefixed UTF-8 string */
  string(s: string): void {
    const n = s.length;
    if (n > NATIVE_FROM) return this.longString(s);
    this.grow(5 + n * 3);
    const start = this.pos;
    const prefix = varintSize(n);
    const b = this.buf;
    let p = start + prefix;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // Not ASCII: the UTF-8 length differs from the character count.
        this.pos = start;
        const bytes = Buffer.byteLength(s, 'utf8');
        this.varint(bytes);
        this.pos += this.buf.write(s, this.pos, 'utf8');
        return;
      }
      b[p++] = c;
    }
    this.pos = start;
    this.varint(n);
    this.pos = p;
  }

  private longString(s: string): void {
    const n = s.length;
    this.grow(5 + n * 3);
    const start = this.pos;
    const prefix = varintSize(n);
    const bytes = this.buf.write(s, start + prefix, 'utf8');
    if (bytes !== n && varintSize(bytes) !== prefix) {
      // not ASCII, and the UTF-8 length needs a longer prefix than the character count did
      this.buf.copyWithin(start + varintSize(bytes), start + prefix, start + prefix + bytes);
    }
    this.varint(bytes);
    this.pos += bytes;
  }

  /** A string of a small set (keys, names): its encoding is kept and copied. */
  knownString(s: string): void {
    const e = encodedKnown(s);
    if (!e) return this.string(s);
    const n = e.length;
    this.grow(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = e[i]!;
    this.pos = p;
  }

  /** an id (trace, span) given as hex, as bytes */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.grow(1 + n);
    const b = this.buf;
    let p = this.pos;
    b[p++] = n;
    for (let i = 0; i < n; i++) {
      const hiNibble = HEX[hex.charCodeAt(2 * i) & 0x7f]!;
      const loNibble = HEX[hex.charCodeAt(2 * i + 1) & 0x7f]!;
      b[p++] = ((hiNibble << 4) | loNibble) & 0xff;
    }
    this.pos = p;
  }


  bytes(v: Uint8Array): void {
    this.varint(v.length);
    this.grow(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** reserves the length byte of a nested message; `end` writes it */
  begin(): number {
    this.grow(1);
    return this.pos++;
  }

  end(at: number): void {
    const length = this.pos - at - 1;
    const size = varintSize(length);
    if (size > 1) {
      this.grow(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.pos);
      this.pos += size - 1;
    }
    let p = at;
    let v = length;
    while (v > 0x7f) { this.buf[p++] = (v & 0x7f) | 0x80; v >>>= 7; }
    this.buf[p] = v;
  }
}

function anyValue(w: Writer, value: unknown): void {
  switch (typeof value) {
    case 'string':
      w.tag(1, LEN);
      w.string(value);
      return;
    case 'boolean':
      w.tag(2, VARINT);
      w.varint(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        w.tag(3, VARINT);
        w.varint(value);
      } else {
        w.tag(4, FIXED64);
        w.double(value);
      }
      return;
    default:
      if (value instanceof Uint8Array) {
        w.tag(7, LEN);
        w.bytes(value);
      } else if (Array.isArray(value)) {
        w.tag(5, LEN);
        const array = w.begin();
        for (const item of value) {
          w.tag(1, LEN);
          const at = w.begin();
          anyValue(w, item);
          w.end(at);
        }
        w.end(array);
      } else if (value !== null && typeof value === 'object') {
        w.tag(6, LEN);
        const list = w.begin();
        for (const k in value) {
          if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
          w.tag(1, LEN);
          const kv = w.begin();
          keyValue(w, k, (value as Record<string, unknown>)[k]);
          w.end(kv);
        }
        w.end(list);
      }
  }
}

function keyValue(w: Writer, key: string, value: unknown): void {
  w.tag(1, LEN);
  w.knownString(key);
  w.tag(2, LEN);
  const at = w.begin();
  anyValue(w, value);
  w.end(at);
}

function attributes(w: Writer, attrs: Attributes | undefined, field: number): void {
  if (!attrs) return;
  for (const key in attrs) {
    if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
    w.tag(field, LEN);
    const at = w.begin();
    keyValue(w, key, attrs[key]);
    w.end(at);
  }
}

/** Attributes kept as two lists (RecordedSpan). */
function attributeLists(w: Writer, keys: readonly string[], values: readonly unknown[], field: number): void {
  for (let i = 0; i < keys.length; i++) {
    w.tag(field, LEN);
    const at = w.begin();
    keyValue(w, keys[i]!, values[i]);
    w.end(at);
  }
}

function flags(traceFlags: number, remote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (remote ? IS_REMOTE : 0);
}

/** trace_id, span_id and trace_state: fields 1 to 3 of both Span and Span.Link */
function identity(w: Writer, c: SpanContext): void {
  w.tag(1, LEN);
  w.hexBytes(c.traceId);
  w.tag(2, LEN);
  w.hexBytes(c.spanId);
  const state = c.traceState?.serialize();
  if (state) { w.tag(3, LEN); w.string(state); }
}

function event(w: Writer, e: TimedEvent): void {
  const at = w.begin();
  w.tag(1, FIXED64);
  w.time(e.time);
  w.tag(2, LEN);
  w.string(e.name);
  attributes(w, e.attributes, 3);
  w.tag(4, VARINT);
  w.varint(e.droppedAttributesCount || 0);
  w.end(at);
}

function link(w: Writer, l: Link & { droppedAttributesCount?: number }): void {
  const at = w.begin();
  const c = l.context;
  identity(w, c);
  attributes(w, l.attributes, 4);
  w.tag(5, VARINT);
  w.varint(l.droppedAttributesCount || 0);
  w.tag(6, FIXED32);
  w.fixed32(flags(c.traceFlags, c.isRemote));
  w.end(at);
}

/** identity() and the parent span id of a RecordedSpan, copied from the bytes its ids were cut from */
function recordedIdentity(w: Writer, s: RecordedSpan): void {
  w.tag(1, LEN);
  if (s.traceIdBytes) w.idBytes(s.traceIdBytes, s.traceIdAt, 16);
  else w.hexBytes(s.traceIdHex!);
  w.tag(2, LEN);
  w.idBytes(s.spanIdBytes, s.spanIdAt, 8);
  const state = s.traceState?.serialize();
  if (state) { w.tag(3, LEN); w.string(state); }
  const parent = s.recordedParent;
  if (parent) { w.tag(4, LEN); w.idBytes(parent.spanIdBytes, parent.spanIdAt, 8); }
  else {
    const other = s.parentSpanContext;
    if (other?.spanId) { w.tag(4, LEN); w.hexBytes(other.spanId); }
  }
}

/**
 * A span name's encoding and the attribute keys its spans had last time, with theirs: spans of
 * one name set the same keys in the same order, so an identity comparison finds a key's
 * encoding instead of a table lookup.
 */
interface KeysOfName {
  name: Buffer;
  keys: string[];
  encoded: Buffer[];
  /** the value each key had last time, and once it came twice in a row, the whole attribute's encoding */
  values: unknown[];
  pairs: Array<Buffer | undefined>;
}
/** Attributes whose value and whole encoding are kept: the first few of a span, up to this many bytes or characters (bounds the memory: names × 16 × 128). */
const KEPT_PAIRS = 16;
const KEPT_PAIR_BYTES = 128;
const KEYS_OF_NAME = new Map<string, KeysOfName>();

function keysOf(spanName: string): KeysOfName | undefined {
  let memo = KEYS_OF_NAME.get(spanName);
  if (!memo) {
    const name = encodedKnown(spanName); // bounds this table too
    if (!name) return undefined;
    KEYS_OF_NAME.set(spanName, (memo = { name, keys: [], encoded: [], values: [], pairs: [] }));
  }
  return memo;
}

/** per attribute of the span being written by recordedSpanFast: its key's encoding and the lengths of its parts */
const FAST_KEYS: Buffer[] = [];
/** the attribute's whole encoding when it is the same as last time (written with one copy) */
const FAST_PAIRS: Array<Buffer | undefined> = [];
/** 1: the value came twice in a row; keep its encoding once written */
const FAST_KEEP = new Uint8Array(SPAN_LIMIT);
const FAST_ANY = new Int32Array(SPAN_LIMIT);
const FAST_KV = new Int32Array(SPAN_LIMIT);

/**
 * The Span message of a RecordedSpan in one pass, its length known up front, for what a request's
 * spans hold: ids of our own, ASCII strings, booleans, small integers and doubles, no events,
 * links, trace state, status message or given times. Writes nothing and returns false for
 * anything else (`span` writes it then); the bytes are the same either way.
 */
function recordedSpanFast(w: Writer, s: RecordedSpan): boolean {
  const traceBytes = s.traceIdBytes;
  if (s.events.length !== 0 || s.links.length !== 0 || s.givenStart || s.givenEnd || s.status.message !== undefined || !traceBytes) return false;
  if (s.traceState !== undefined || s.droppedAttributesCount > 0x7f) return false;
  // a parent recorded here, or none (a remote parent's trace would have no bytes)
  const parent = s.recordedParent;
  const memo = keysOf(s.name);
  if (!memo) return false;
  const name = memo.name;
  const keys = s.attributeKeys;
  const values = s.attributeValues;
  const n = keys.length;
  let attributeBytes = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    const v = values[i];
    let key: Buffer | undefined;
    FAST_KEEP[i] = 0;
    // only short values of the first attributes are remembered (a bounded memo)
    const kept = i < KEPT_PAIRS && (typeof v !== 'string' || v.length <= KEPT_PAIR_BYTES) ? v : undefined;
    if (memo.keys[i] === k) {
      key = memo.encoded[i]!;
      if (kept !== undefined && memo.values[i] === kept) {
        const pair = memo.pairs[i];
        if (pair) {
          FAST_PAIRS[i] = pair;
          attributeBytes += pair.length;
          continue;
        }
        FAST_KEEP[i] = 1;
      } else {
        memo.values[i] = kept;
        memo.pairs[i] = undefined;
      }
    } else {
      key = encodedKnown(k);
      if (!key) return false;
      memo.keys[i] = k;
      memo.encoded[i] = key;
      memo.values[i] = kept;
      memo.pairs[i] = undefined;
    }
    FAST_PAIRS[i] = undefined;
    let any: number;
    if (typeof v === 'string') {
      if (v.length > 0x3fff) return false;
      any = 1 + varintSize(v.length) + v.length;
    } else if (typeof v === 'boolean') {
      any = 2;
    } else if (typeof v === 'number') {
      if (!Number.isInteger(v)) any = 9;
      else if (v >= 0 && v <= 0x7fffffff) any = 1 + varintSize(v);
      else return false;
    } else {
      return false;
    }
    const kv = 1 + key.length + 1 + varintSize(any) + any;
    if (kv > 0x3fff) return false; // lengths are written in at most two bytes below
    FAST_KEYS[i] = key;
    FAST_ANY[i] = any;
    FAST_KV[i] = kv;
    attributeBytes += 1 + varintSize(kv) + kv;
  }
  const kind = s.kind + 1;
  const length = 18 + 10 + (parent ? 10 : 0) + 1 + name.length + (kind !== 0 ? 2 : 0) + 18 + attributeBytes + 2 + 2 + 2 + 4 + 6;
  const start = w.pos;
  w.grow(5 + length * 3);
  let b = w.buf;
  let p = start;
  for (let v = length; ; v >>>= 7) {
    if (v <= 0x7f) { b[p++] = v; break; }
    b[p++] = (v & 0x7f) | 0x80;
  }
  b[p++] = 0x0a; b[p++] = 16;
  for (let i = 0, at = s.traceIdAt; i < 16; i++) b[p++] = traceBytes[at + i]!;
  b[p++] = 0x12; b[p++] = 8;
  for (let i = 0, own = s.spanIdBytes, at = s.spanIdAt; i < 8; i++) b[p++] = own[at + i]!;
  if (parent) {
    b[p++] = 0x22; b[p++] = 8;
    for (let i = 0, pid = parent.spanIdBytes, at = parent.spanIdAt; i < 8; i++) b[p++] = pid[at + i]!;
  }
  b[p++] = 0x2a;
  b.set(name, p); // a memcpy: cheaper than a loop from about 8 bytes on
  p += name.length;
  if (kind !== 0) { b[p++] = 0x30; b[p++] = kind; }
  b[p++] = 0x39;
  w.pos = p;
  w.performanceTime(s.startMs);
  w.buf[w.pos++] = 0x41;
  w.performanceTime(s.endMs);
  b = w.buf;
  p = w.pos;
  for (let i = 0; i < n; i++) {
    const pair = FAST_PAIRS[i];
    if (pair !== undefined) {
      b.set(pair, p);
      p += pair.length;
      continue;
    }
    const from = p;
    const kv = FAST_KV[i]!;
    b[p++] = 0x4a;
    if (kv > 0x7f) { b[p++] = (kv & 0x7f) | 0x80; b[p++] = kv >>> 7; } else b[p++] = kv;
    b[p++] = 0x0a;
    const key = FAST_KEYS[i]!;
    b.set(key, p);
    p += key.length;
    b[p++] = 0x12;
    const any = FAST_ANY[i]!;
    if (any > 0x7f) { b[p++] = (any & 0x7f) | 0x80; b[p++] = any >>> 7; } else b[p++] = any;
    const v = values[i];
    if (typeof v === 'string') {
      const len = v.length;
      b[p++] = 0x0a;
      if (len > 0x7f) { b[p++] = (len & 0x7f) | 0x80; b[p++] = len >>> 7; } else b[p++] = len;
      if (len > NATIVE_FROM) {
        if (b.write(v, p, 'utf8') !== len) { w.pos = start; return false; } // not ASCII
        p += len;
      } else {
        for (let j = 0; j < len; j++) {
          const ch = v.charCodeAt(j);
          if (ch >= 0x80) { w.pos = start; return false; }
          b[p++] = ch;
        }
      }
    } else if (typeof v === 'boolean') {
      b[p++] = 0x10; b[p++] = v ? 1 : 0;
    } else if (any === 9) {
      b[p++] = 0x21;
      b.writeDoubleLE(v as number, p);
      p += 8;
    } else {
      b[p++] = 0x18;
      for (let x = v as number; ; x >>>= 7) {
        if (x <= 0x7f) { b[p++] = x; break; }
        b[p++] = (x & 0x7f) | 0x80;
      }
    }
    if (FAST_KEEP[i] === 1 && p - from <= KEPT_PAIR_BYTES) {
      const kept = Buffer.allocUnsafe(p - from);
      b.copy(kept, 0, from, p);
      memo.pairs[i] = kept;
    }
  }
  b[p++] = 0x50; b[p++] = s.droppedAttributesCount;
  b[p++] = 0x60; b[p++] = 0; // dropped events
  b[p++] = 0x70; b[p++] = 0; // dropped links
  b[p++] = 0x7a; b[p++] = 2; b[p++] = 0x18; b[p++] = s.status.code;
  b[p++] = 0x85; b[p++] = 0x01;
  // flags, fixed32: recorded, so sampled; its parent (if any) is local
  b[p++] = SAMPLED_LOCAL & 0xff; b[p++] = SAMPLED_LOCAL >>> 8; b[p++] = 0; b[p++] = 0;
  w.pos = p;
  return true;
}

function span(w: Writer, s: ReadableSpan): void {
  if (s instanceof RecordedSpan && recordedSpanFast(w, s)) return;
  const at = w.begin();
  const c = s.spanContext();
  const parent = s.parentSpanContext;
  const recorded = s instanceof RecordedSpan ? s : undefined;
  if (recorded) {
    recordedIdentity(w, recorded);
  } else {
    identity(w, c);
    if (parent?.spanId) { w.tag(4, LEN); w.hexBytes(parent.spanId); }
  }
  w.tag(5, LEN);
  if (recorded) w.knownString(s.name);
  else w.string(s.name);
  const kind = s.kind == null ? 0 : s.kind + 1;
  if (kind !== 0) { w.tag(6, VARINT); w.varint(kind); }
  w.tag(7, FIXED64);
  if (recorded && !recorded.givenStart) w.performanceTime(recorded.startMs);
  else w.time(s.startTime);
  w.tag(8, FIXED64);
  if (recorded && !recorded.givenStart && !recorded.givenEnd) w.performanceTime(recorded.endMs);
  else w.time(s.endTime);
  if (recorded) attributeLists(w, recorded.attributeKeys, recorded.attributeValues, 9);
  else attributes(w, s.attributes, 9);
  w.tag(10, VARINT);
  w.varint(s.droppedAttributesCount);
  for (const e of s.events) { w.tag(11, LEN); event(w, e); }
  w.tag(12, VARINT);
  w.varint(s.droppedEventsCount);
  for (const l of s.links) { w.tag(13, LEN); link(w, l); }
  w.tag(14, VARINT);
  w.varint(s.droppedLinksCount);
  w.tag(15, LEN);
  const status = w.begin();
  if (s.status.message) { w.tag(2, LEN); w.string(s.status.message); }
  w.tag(3, VARINT);
  w.varint(s.status.code);
  w.end(status);
  w.tag(16, FIXED32);
  w.fixed32(flags(c.traceFlags, parent?.isRemote));
  w.end(at);
}

function scope(w: Writer, sc: InstrumentationScope & { attributes?: Attributes; droppedAttributesCount?: number }): void {
  w.tag(1, LEN);
  const at = w.begin();
  w.tag(1, LEN);
  w.string(sc.name);
  if (sc.version) { w.tag(2, LEN); w.string(sc.version); }
  attributes(w, sc.attributes, 3);
  if (sc.droppedAttributesCount) { w.tag(4, VARINT); w.varint(sc.droppedAttributesCount); }
  w.end(at);
}

/** Raw bytes already encoded (a scope's spans), copied in place. */
function raw(w: Writer, from: Writer): void {
  w.grow(from.pos);
  from.buf.copy(w.buf, w.pos, 0, from.pos);
  w.pos += from.pos;
}

/** ResourceSpans: the resource, then each scope with its spans (already encoded). */
function resourceSpans(w: Writer, resource: Resource, scopes: Map<InstrumentationScope, Writer>): void {
  const at = w.begin();
  w.tag(1, LEN);
  const res = w.begin();
  attributes(w, resource.attributes, 1);
  w.tag(2, VARINT);
  w.varint(0);
  w.end(res);
  for (const [sc, spans] of scopes) {
    w.tag(2, LEN);
    const ss = w.begin();
    scope(w, sc);
    raw(w, spans);
    if (sc.schemaUrl) { w.tag(3, LEN); w.string(sc.schemaUrl); }
    w.end(ss);
  }
  if (resource.schemaUrl) { w.tag(3, LEN); w.string(resource.schemaUrl); }
  w.end(at);
}

const CHUNK_SIZE = 64 * 1024;
/** Buffers that grew past this for a rare huge batch are dropped instead of staying resident. */
const KEEP_SIZE = 4 * 1024 * 1024;

/**
 * Spans encoded soon after they end, grouped by resource and instrumentation scope, until `take`
 * wraps them into one ExportTraceServiceRequest. Holding bytes instead of span objects until a
 * batch leaves means the spans die young (no old-generation garbage at every request), and the
 * bytes sit outside the JavaScript heap.
 */
export class EncodedSpanBatch {
  /** this batch's spans by resource, then scope, in the order first seen (as OpenTelemetry groups them) */
  private readonly groups = new Map<Resource, Map<InstrumentationScope, Writer>>();
  /** scope buffers to reuse once a batch is taken */
  private readonly free: Writer[] = [];
  private out = new Writer(CHUNK_SIZE);
  /** spans added since the last `take` */
  count = 0;

  /** Encodes one span; when encoding throws, the batch is left as it was. */
  add(s: ReadableSpan): void {
    const resource = s.resource;
    const scope = s.instrumentationScope;
    let scopes: Map<InstrumentationScope, Writer> | undefined;
    let w: Writer | undefined;
    if (this.lastWriter && resource === this.lastResource && scope === this.lastScope) {
      // the common case: the same group as the span before (no table lookups)
      w = this.lastWriter;
    } else {
      scopes = this.groups.get(resource);
      if (!scopes) this.groups.set(resource, (scopes = new Map()));
      w = scopes.get(scope);
      if (!w) scopes.set(scope, (w = this.free.pop() ?? new Writer(CHUNK_SIZE)));
    }
    const before = w.pos;
    try {
      w.tag(2, LEN);
      span(w, s);
    } catch (e) {
      // all or nothing: half a span, or an empty group, would corrupt the whole batch
      w.pos = before;
      if (before === 0) {
        scopes ??= this.groups.get(resource)!;
        scopes.delete(scope);
        this.free.push(w);
        if (scopes.size === 0) this.groups.delete(resource);
        this.forgetLast();
      }
      throw e;
    }
    this.lastResource = resource;
    this.lastScope = scope;
    this.lastWriter = w;
    this.count++;
  }

  /** the group of the last span added (its writer is still in `groups`) */
  private lastResource: Resource | undefined;
  private lastScope: InstrumentationScope | undefined;
  private lastWriter: Writer | undefined;

  private forgetLast(): void {
    this.lastResource = undefined;
    this.lastScope = undefined;
    this.lastWriter = undefined;
  }

  /** The request's bytes (a copy: the batch is empty and reusable after). */
  take(): Uint8Array {
    const out = this.out;
    out.pos = 0;
    for (const [resource, scopes] of this.groups) {
      out.tag(1, LEN);
      resourceSpans(out, resource, scopes);
    }
    const body = Buffer.allocUnsafeSlow(out.pos);
    out.buf.copy(body, 0, 0, out.pos); // a memcpy (Buffer.from of a view copies element by element)
    if (out.buf.length > KEEP_SIZE) this.out = new Writer(CHUNK_SIZE);
    for (const scopes of this.groups.values()) {
      for (const w of scopes.values()) {
        w.pos = 0;
        if (w.buf.length <= KEEP_SIZE && this.free.length < 4) this.free.push(w);
      }
    }
    this.groups.clear();
    this.forgetLast();
    this.count = 0;
    return body;
  }
}

const shared = new EncodedSpanBatch();

/** An ExportTraceServiceRequest: spans grouped by resource, then by instrumentation scope. */
export function encodeTraceExportRequest(spans: readonly ReadableSpan[]): Uint8Array {
  for (const s of spans) shared.add(s);
  return shared.take();
}
