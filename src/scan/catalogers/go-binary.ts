/**
 * Go binaries: modules compiled into an ELF executable (main module, deps with
 * their replacements) and the toolchain as the `stdlib` package.
 * Versions drop the leading `v`, as OSV's Go records do.
 */
import type { Cataloger, CatalogerOutput, RawPackage } from './cataloger.js';
import { ELF_MAGIC } from './elf.js';
import { readGoBuildInfo, type GoModule } from './go-buildinfo.js';

const EXECUTABLE_BITS = 0o111;
const MIN_ELF_SIZE = 64;

/** `go1.21.5` → `1.21.5`, `go1.20` → `1.20.0`, `go1.21rc2` → `1.21.0-rc.2`; `devel …` → undefined. */
export function stdlibVersion(goVersion: string): string | undefined {
  const token = goVersion.trim().split(/\s+/)[0] ?? '';
  const match = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?$/.exec(token);
  if (!match) return undefined;
  const [, major, minor, patch = '0', pre, preNumber] = match;
  return `${major}.${minor}.${patch}${pre ? `-${pre}.${preNumber}` : ''}`;
}

function moduleVersion(version: string): string {
  return version.startsWith('v') ? version.slice(1) : version;
}

/** The module that was compiled in: the replacement when it has a version, none for a local directory. */
function compiled(module: GoModule): GoModule | undefined {
  const effective = module.replace ?? module;
  if (!effective.version || effective.version === '(devel)') return undefined;
  return effective;
}

export const goBinaryCataloger: Cataloger = {
  id: 'go-binary',
  version: 1,
  magic: ELF_MAGIC,
  wants(_path, size, mode) {
    return (mode & EXECUTABLE_BITS) !== 0 && size >= MIN_ELF_SIZE;
  },
  parse(path, bytes, ctx): CatalogerOutput {
    const info = readGoBuildInfo(bytes);
    if (!info) return {};
    const packages: RawPackage[] = [];
    for (const module of [...(info.main ? [info.main] : []), ...info.deps]) {
      const effective = compiled(module);
      if (effective) packages.push({ name: effective.path, version: moduleVersion(effective.version), kind: 'golang' });
    }
    const stdlib = stdlibVersion(info.goVersion);
    if (stdlib) packages.push({ name: 'stdlib', version: stdlib, kind: 'golang' });
    else if (info.goVersion) ctx.warn(`go-binary: ${path}: unrecognised Go version "${info.goVersion}"`);
    else ctx.warn(`go-binary: ${path}: build info header removed; modules read, Go version unknown`);
    return { packages };
  },
};
