/**
 * The workflow code's version: the folder `linehouse demo --save-histories <dir>` files the
 * histories it records under (<dir>/<workflowType>/<WORKFLOW_CODE_VERSION>/<workflowId>.json), and
 * the version test/workflow/replay.test.ts requires a history of every workflow type for.
 *
 * Bump it with any change to the commands a workflow emits (a patch, its deprecation, a new
 * step) and record the new version's histories; keep the older folders for as long as runs
 * started by that code may still be open (docs/operations.md § Upgrades).
 *
 * - v1-initial (2026-11-21): the first recorded corpus; feed already patched 'feed-memo'.
 * - v2-lean-steps (2026-11-21): accountRefresh patched 'refresh-lean-steps' (and 'repage-on-listing-change').
 * - v3-lean-2 (2026-12-07): accountRefresh patched 'refresh-lean-2'.
 * - v4-deprecated (2026-12-08): every patch deprecated (deprecatePatch), the pre-patch branches gone.
 *
 * Plain data: no workflow code, safe to import from the CLI and from tests.
 */
export const WORKFLOW_CODE_VERSION = 'v4-deprecated';
