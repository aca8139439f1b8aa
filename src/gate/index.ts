/** The gate: decide(digest) before a manifest or blob is served; wired by wire.ts. */
export { createGate, gateExtension, gateEventsFor, type GateExtension, type GateOptions } from './wire.js';
export { GateEvents, type GateEventMap, type PullContext } from './gate-events.js';
export { Decider, isBlocking, type DecisionTarget, type Trigger } from './decider.js';
export { classifyManifest, type ManifestKind } from './manifest-kind.js';
export { denialMessage, reasonsSummary, refusal, GateRefusal } from './denial.js';
