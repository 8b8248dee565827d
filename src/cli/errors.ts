/** Exit codes of every `nomad-ops` command (`exitCodeOf` in src/errors.ts maps errors to them). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;
