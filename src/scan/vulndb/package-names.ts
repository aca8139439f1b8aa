/**
 * Package-name keys of the lookup index.
 *
 * - PyPI: PEP 503 normalisation (`Foo.Bar_baz` → `foo-bar-baz`), as pip compares names.
 * - npm: lower-cased. The registry compares names case-sensitively, but it has
 *   refused new names differing from an existing one only by case for years, so a
 *   case-insensitive match cannot confuse two live packages — and advisories exist
 *   with other spellings (GHSA-8hc4-vh64-cxmj names `Axios` for `axios`). The
 *   exact spelling is matched too, as a case-insensitive key includes it; the
 *   advisory's own spelling is reported in `Finding.advisoryPackage`.
 * - Everything else (Debian/Alpine source names, Go module paths, Maven
 *   `group:artifact`, …): exact.
 */

/** `Debian:12` → `Debian`; `npm` → `npm`. */
export function ecosystemBase(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

export function normalisePackageName(ecosystem: string, name: string): string {
  switch (ecosystemBase(ecosystem)) {
    case 'PyPI':
      return name.replace(/[-_.]+/g, '-').toLowerCase();
    case 'npm':
      return name.toLowerCase();
    default:
      return name;
  }
}

/**
 * The ecosystem strings whose records apply to a package of `ecosystem`:
 * the exact string (`Debian:12`, `Alpine:v3.10`), and the bare base name when
 * a suffix is present (a record for `Debian` without a release applies to all).
 */
export function ecosystemsApplyingTo(ecosystem: string): string[] {
  const base = ecosystemBase(ecosystem);
  return base === ecosystem ? [ecosystem] : [ecosystem, base];
}
