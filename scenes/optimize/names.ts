/**
 * The names the `optimize` command accepts, with no imports, so the CLI can list them in
 * its help without loading the simulator (the command itself loads on first use).
 */

/** The named optimization scenes (registry.ts maps each to its problem). */
export const PROBLEM_NAMES = ['bounce-to-target', 'billiards', 'push-box', 'system-id'] as const;
export type ProblemName = (typeof PROBLEM_NAMES)[number];

/** The strategies of `--strategy`: one run (strategies.ts, global-strategies.ts), or `auto`, which escalates through them (auto.ts). */
export const STRATEGIES = ['auto', 'plain', 'anneal', 'smoothing', 'multistart', 'sampling'] as const;
export type StrategyName = (typeof STRATEGIES)[number];
/** A strategy that is one run (every one but `auto`). */
export type RunStrategyName = Exclude<StrategyName, 'auto'>;
