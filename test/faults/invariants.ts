// The invariant check lives in test/support/invariants.ts, shared by chaos/ and test/faults/. This path is kept only
// while chaos/invariants.ts still imports it; it goes once that import points at test/support/invariants.ts.
export * from '../support/invariants';
