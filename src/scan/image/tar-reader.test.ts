import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pack } from 'tar-stream';
import { readTar, TarFormatError, type TarHeader } from './tar-reader.js';

interface RawHeader {
  name: string;
  flag?: string;
  size?: number;
  linkname?: string;
  prefix?: string;
  magic?: 'ustar' | 'gnu' | 'v7';
  /** bytes written in the size field instead of octal (base-256) */
  sizeField?: Buffer;
}

/** One 512-byte header block with a valid checksum. */
function header(h: RawHeader): Buffer {
  const block = Buffer.alloc(512);
  block.write(h.name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  (h.sizeField ?? Buffer.from(`${(h.size ?? 0).toString(8).padStart(11, '0')}\0`, 'latin1')).copy(block, 124);
  block.write(h.flag ?? '0', 156, 'latin1');
  if (h.linkname) block.write(h.linkname, 157, 100, 'utf8');
  const magic = h.magic ?? 'ustar';
  if (magic === 'ustar') block.write('ustar\x0000', 257, 'latin1');
  if (magic === 'gnu') block.write('ustar  \0', 257, 'latin1');
  if (h.prefix) block.write(h.prefix, 345, 155, 'utf8');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function data(content: string | Buffer): Buffer {
  const bytes = Buffer.from(content);
  return Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

function pax(records: Record<string, string>): Buffer {
  const body = Object.entries(records)
    .map(([k, v]) => {
      const text = ` ${k}=${v}\n`;
      let length = text.length + 1;
      while (`${length}${text}`.length !== length) length++;
      return `${length}${text}`;
    })
    .join('');
  return Buffer.concat([header({ name: 'PaxHeader', flag: 'x', size: body.length }), data(body)]);
}

const END = Buffer.alloc(1024);

/** Feeds `bytes` in chunks of `chunkSize`, recording how far the reader pulled. */
function chunked(bytes: Buffer, chunkSize = 7): AsyncIterable<Buffer> & { pulled: number; returned: boolean } {
  const state = { pulled: 0, returned: false };
  return Object.assign(state, {
    async *[Symbol.asyncIterator]() {
      try {
        for (let i = 0; i < bytes.length; i += chunkSize) {
          state.pulled = Math.min(bytes.length, i + chunkSize);
          yield bytes.subarray(i, i + chunkSize);
        }
      } finally {
        state.returned = true;
      }
    },
  });
}

async function entries(input: AsyncIterable<Buffer>, read = true): Promise<{ header: TarHeader; text: string }[]> {
  const out: { header: TarHeader; text: string }[] = [];
  await readTar(input, async (h, content) => {
    const parts: Buffer[] = [];
    if (read) for await (const c of content) parts.push(Buffer.from(c));
    out.push({ header: h, text: Buffer.concat(parts).toString('utf8') });
  });
  return out;
}

describe('tar reader', () => {
  it('reads what tar-stream writes: files, directories, links, long names (PAX), empty files', async () => {
    const p = pack();
    const long = `deep/${'d'.repeat(120)}/file.txt`;
    p.entry({ name: 'etc/', type: 'directory' });
    p.entry({ name: 'etc/os-release' }, 'ID=alpine\n');
    p.entry({ name: 'etc/empty' }, '');
    p.entry({ name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' });
    p.entry({ name: 'bin/ash', type: 'link', linkname: 'bin/busybox' });
    p.entry({ name: long }, 'x'.repeat(1500));
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    const read = await entries(chunked(Buffer.concat(chunks), 333));
    assert.deepEqual(read.map((e) => [e.header.name, e.header.type, e.header.size, e.header.linkname, e.text.length]), [
      ['etc/', 'directory', 0, null, 0],
      ['etc/os-release', 'file', 10, null, 10],
      ['etc/empty', 'file', 0, null, 0],
      ['bin/sh', 'symlink', 0, '/bin/busybox', 0],
      ['bin/ash', 'link', 0, 'bin/busybox', 0],
      [long, 'file', 1500, null, 1500],
    ]);
  });

  it('skips content the handler leaves unread, wholly or in part, and keeps its place', async () => {
    const tar = Buffer.concat([header({ name: 'a', size: 700 }), data('a'.repeat(700)), header({ name: 'b', size: 3 }), data('bbb'), END]);
    assert.deepEqual((await entries(chunked(tar), false)).map((e) => e.header.name), ['a', 'b']);
    const partial: string[] = [];
    await readTar(chunked(tar, 100), async (h, content) => {
      for await (const c of content) {
        partial.push(`${h.name}:${c.length}`);
        break;
      }
    });
    assert.deepEqual(partial, ['a:88', 'b:3'], 'views of the input chunks: the first ends at the chunk boundary');
  });

  it('applies ustar prefixes, GNU long names and links, PAX path/linkpath/size; not PAX global headers', async () => {
    const tar = Buffer.concat([
      header({ name: 'file', prefix: 'usr/share', size: 1 }), data('1'),
      header({ name: '././@LongLink', flag: 'L', size: 9, magic: 'gnu' }), data('long/name'),
      header({ name: '././@LongLink', flag: 'K', size: 11, magic: 'gnu' }), data('long/target'),
      header({ name: 'short', flag: '2', magic: 'gnu', prefix: 'ignored-in-gnu' }),
      pax({ path: 'from/pax', size: '4' }), header({ name: 'truncated', size: 0 }), data('four'),
      header({ name: 'global', flag: 'g', size: 20 }), data('20 path=everything\n'),
      header({ name: 'after-global', size: 0 }),
      header({ name: 'v7-file', magic: 'v7', size: 2 }), data('v7'),
      END,
    ]);
    assert.deepEqual((await entries(chunked(tar))).map((e) => `${e.header.name} ${e.header.type} ${e.header.linkname} ${e.text}`), [
      'usr/share/file file null 1',
      'long/name symlink long/target ',
      'from/pax file null four',
      'after-global file null ',
      'v7-file file null v7',
    ]);
  });

  it('reads base-256 sizes, and gives header-only types no data whatever their size field says', async () => {
    const size = Buffer.alloc(12);
    size[0] = 0x80;
    size[11] = 5;
    const tar = Buffer.concat([header({ name: 'big', sizeField: size }), data('12345'), header({ name: 'dir/', flag: '5', size: 512 }), header({ name: 'after', size: 1 }), data('z'), END]);
    assert.deepEqual((await entries(chunked(tar))).map((e) => `${e.header.name}:${e.header.size}:${e.text}`), ['big:5:12345', 'dir/:0:', 'after:1:z']);
  });

  it('ends at two zero blocks, reading (and ignoring) what follows; or at EOF on a header boundary', async () => {
    const withTrailer = chunked(Buffer.concat([header({ name: 'a', size: 1 }), data('a'), END, Buffer.from('trailing junk after the end marker')]));
    assert.deepEqual((await entries(withTrailer)).map((e) => e.header.name), ['a']);
    assert.equal(withTrailer.pulled, 512 * 4 + 34, 'the whole input is consumed');
    assert.deepEqual((await entries(chunked(Buffer.concat([header({ name: 'a', size: 1 }), data('a')])))).map((e) => e.header.name), ['a']);
    assert.deepEqual(await entries(chunked(Buffer.alloc(0))), []);
  });

  it('never reads entries hidden after the end marker (containerd does not extract them)', async () => {
    const hidden = Buffer.concat([header({ name: 'var/lib/dpkg/status', size: 4 }), data('fake'), END]);
    const tar = Buffer.concat([header({ name: 'var/lib/dpkg/status', size: 4 }), data('real'), END, hidden]);
    assert.deepEqual((await entries(chunked(tar, 512))).map((e) => e.text), ['real']);
  });

  it('rejects corrupt archives: bad checksum, zero block then data, truncation, oversized metadata', async () => {
    const bad = header({ name: 'a', size: 1 });
    bad[0] ^= 1;
    await assert.rejects(entries(chunked(Buffer.concat([bad, data('a'), END]))), TarFormatError);
    await assert.rejects(entries(chunked(Buffer.concat([Buffer.alloc(512), header({ name: 'hidden', size: 0 })]))), /zero block followed by data/);
    await assert.rejects(entries(chunked(Buffer.concat([header({ name: 'a', size: 1000 }), Buffer.alloc(600)]))), /truncated/);
    await assert.rejects(entries(chunked(Buffer.concat([header({ name: 'a', size: 1000 }), Buffer.alloc(600)])), false), /truncated/);
    await assert.rejects(entries(chunked(header({ name: 'a', size: 1 }).subarray(0, 300))), /truncated in a header/);
    await assert.rejects(entries(chunked(Buffer.concat([header({ name: 'p', flag: 'x', size: 5 * 1024 * 1024 })]))), /exceeds/);
    await assert.rejects(entries(chunked(Buffer.concat([header({ name: 'p', flag: 'x', size: 9 }), data('9 path=x'), END]))), /PAX/);
  });

  it('stops at the first handler error and closes the input', async () => {
    const input = chunked(Buffer.concat([header({ name: 'a', size: 1 }), data('a'), header({ name: 'b', size: 1 }), data('b'), END]), 512);
    await assert.rejects(readTar(input, async () => { throw new Error('handler failed'); }), /handler failed/);
    assert.equal(input.returned, true);
    assert.ok(input.pulled < 512 * 6);
  });
});
