/**
 * The seam between the pull API and the gate: before a manifest or blob is served the gate decides.
 * The gateway core alone serves everything (`openGate`); the gate (src/gate) enforces policy.
 */
import type { StoredManifest } from '../storage/manifest-store.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { Route } from '../upstream/routing.js';

export interface PullRequest {
  route: Route;
  /** repository name as the client wrote it */
  clientName: string;
  method: 'GET' | 'HEAD';
  /** the tag or digest the client asked for (manifest requests) */
  reference?: string;
  /** identity of the caller, when auth is on */
  principal?: string;
  /** a `bypass:` grant applies (break-glass) */
  bypass?: boolean;
  /** the request's trace: the gate's spans are its children */
  trace: TraceContext;
}

export interface PullGate {
  /** Throws a RegistryError (DENIED, UNAVAILABLE…) to refuse; returns to serve. */
  manifest(req: PullRequest, manifest: StoredManifest, byTag: boolean): Promise<void>;
  blob(req: PullRequest, digest: string): Promise<void>;
}

export const openGate: PullGate = {
  async manifest() {},
  async blob() {},
};
