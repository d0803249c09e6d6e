/**
 * The names the `optimize` command accepts, with no imports, so the CLI can list them in
 * its help without loading the simulator (the command itself loads on first use).
 */

/** The named optimization scenes (registry.ts maps each to its problem). */
export const PROBLEM_NAMES = ['bounce-to-target', 'billiards', 'push-box', 'system-id'] as const;
export type ProblemName = (typeof PROBLEM_NAMES)[number];

/** The strategies of `--strategy` (strategies.ts). */
export const STRATEGIES = ['plain', 'anneal', 'smoothing'] as const;
export type StrategyName = (typeof STRATEGIES)[number];
