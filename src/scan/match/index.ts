/** Matching installed packages against OSV records. */
export { matchPackages, advisoryCoordinates, type MatchOptions } from './match-packages.js';
export { evaluateAffected, evaluateRange, type AffectedVerdict } from './range-evaluation.js';
export { rateRecord, scoreVector, severityRank, higherRating, type Rating } from './severity.js';
export { mergeHits, idPreference, type MergedVulnerability, type RecordHit } from './merge-findings.js';
export { compareSemver, semverComparer } from './semver-order.js';
