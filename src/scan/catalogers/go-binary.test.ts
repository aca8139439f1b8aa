import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { goBinaryCataloger, stdlibVersion } from './go-binary.js';
import { parseModinfo, readGoBuildInfo } from './go-buildinfo.js';
import { fixture, recordingContext } from './test-fixtures.js';

function packages(bytes: Buffer): string[] {
  return (goBinaryCataloger.parse('bin/x', bytes, recordingContext()).packages ?? []).map((p) => `${p.name}@${p.version}`);
}

describe('go-binary cataloger', () => {
  it('wants executable files large enough for an ELF header, and asks for the ELF magic', () => {
    assert.equal(goBinaryCataloger.wants('usr/bin/x', 2_000_000, 0o755), true);
    assert.equal(goBinaryCataloger.wants('usr/bin/x', 2_000_000, 0o644), false);
    assert.equal(goBinaryCataloger.wants('usr/bin/x', 10, 0o755), false);
    assert.deepEqual([...(goBinaryCataloger.magic ?? [])], [0x7f, 0x45, 0x4c, 0x46]);
  });

  it('reads a Go 1.19 binary built with deps and replacements (amd64, inline format)', () => {
    const info = readGoBuildInfo(fixture('go/go1.19-deps-replace-amd64'));
    assert.equal(info?.goVersion, 'go1.19.8');
    assert.equal(info?.path, 'example.com/portcullis-fixture');
    assert.deepEqual(info?.main, { path: 'example.com/portcullis-fixture', version: '(devel)' });
    assert.deepEqual(info?.deps.find((d) => d.path === 'golang.org/x/text'), { path: 'golang.org/x/text', version: 'v0.3.0', replace: { path: 'golang.org/x/text', version: 'v0.3.8' } });
    // (devel) main module and the ./localmod directory replacement cannot be matched: left out
    assert.deepEqual(packages(fixture('go/go1.19-deps-replace-amd64')), ['github.com/pkg/errors@0.9.1', 'golang.org/x/text@0.3.8', 'stdlib@1.19.8']);
  });

  it('reads the same program built for 32-bit big-endian MIPS', () => {
    assert.deepEqual(packages(fixture('go/go1.19-deps-replace-mips')), ['github.com/pkg/errors@0.9.1', 'golang.org/x/text@0.3.8', 'stdlib@1.19.8']);
  });

  it('reads the pre-Go-1.18 pointer layout', () => {
    assert.deepEqual(packages(fixture('go/go-pre-1.18-layout/go-pre-1.18.elf')), [
      'example.com/legacy@1.4.2',
      'github.com/gorilla/mux@1.7.3',
      'golang.org/x/net@0.0.0-20210226172049-e18ecbb05110',
      'stdlib@1.16.15',
    ]);
  });

  it('reads a Debian-built binary (containernetworking-plugins static)', () => {
    assert.deepEqual(packages(fixture('go/cni-static')), ['stdlib@1.19.8']);
  });

  it('returns nothing for ELF files that are not Go, and for non-ELF data', () => {
    assert.deepEqual(goBinaryCataloger.parse('usr/bin/true', readFileSync(process.execPath).subarray(0, 4096), recordingContext()), {});
    assert.equal(readGoBuildInfo(Buffer.from('#!/bin/sh\necho hi\n')), undefined);
  });

  const systemBinary = ['/usr/bin/docker-registry', '/usr/bin/skopeo', '/usr/bin/ctr', '/usr/bin/umoci'].find((p) => existsSync(p));
  it('reads an installed Go binary from this machine', { skip: systemBinary ? false : 'no Go binary installed' }, () => {
    const found = packages(readFileSync(systemBinary as string));
    assert.ok(found.some((p) => /^stdlib@1\.\d+\.\d+/.test(p)), found.join(', '));
  });

  const esbuild = fileURLToPath(new URL('../../../node_modules/@esbuild/linux-x64/bin/esbuild', import.meta.url));
  it('reads modules from a binary whose build info header was removed (esbuild)', { skip: existsSync(esbuild) ? false : 'no linux-x64 esbuild binary' }, () => {
    const ctx = recordingContext();
    const output = goBinaryCataloger.parse('node_modules/@esbuild/linux-x64/bin/esbuild', readFileSync(esbuild), ctx);
    assert.ok(output.packages?.some((p) => p.name === 'golang.org/x/sys'), JSON.stringify(output));
    // esbuild 0.28 ships without the header; should a later release keep it, the stdlib package appears instead
    if (!output.packages?.some((p) => p.name === 'stdlib')) assert.match(ctx.warnings[0] ?? '', /build info header removed/);
  });

  it('converts Go versions for the stdlib package', () => {
    assert.equal(stdlibVersion('go1.21.5'), '1.21.5');
    assert.equal(stdlibVersion('go1.20'), '1.20.0');
    assert.equal(stdlibVersion('go1.21rc2'), '1.21.0-rc.2');
    assert.equal(stdlibVersion('go1.22.0 X:boringcrypto'), '1.22.0');
    assert.equal(stdlibVersion('devel go1.23-abcdef'), undefined);
  });

  it('parses modinfo lines', () => {
    const info = parseModinfo('path\tx/cmd\nmod\tx\tv1.0.0\th1:a\ndep\ty\tv2.0.0\th1:b\n=>\tz\tv2.1.0\th1:c\nbuild\tGOOS=linux\n');
    assert.deepEqual(info, { path: 'x/cmd', main: { path: 'x', version: 'v1.0.0' }, deps: [{ path: 'y', version: 'v2.0.0', replace: { path: 'z', version: 'v2.1.0' } }] });
  });
});
