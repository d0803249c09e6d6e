/**
 * The optimization scenes by name (`diffcontact optimize <name>`), and the factory the
 * smoothing workers call to rebuild a problem from its spec (sim/smoothing.ts).
 */
import { UsageError } from '../cli/errors.ts';
import type { BatchObjective } from '../../sim/smoothing.ts';
import { billiards } from './billiards.ts';
import { bounceToTarget } from './bounce-to-target.ts';
import { polish, type PolishJob } from './global-strategies.ts';
import { PROBLEM_NAMES, type ProblemName } from './names.ts';
import {
  batchObjective,
  sceneFileProblem,
  type OptimizationProblem,
  type ProblemSize,
  type ProblemSpec,
} from './problem.ts';
import { pushBox } from './push-box.ts';
import { systemId } from './system-id.ts';

/** Each named scene's problem builder. */
const NAMED: Readonly<Record<ProblemName, (size: ProblemSize) => OptimizationProblem>> = {
  'bounce-to-target': bounceToTarget,
  billiards,
  'push-box': pushBox,
  'system-id': systemId,
};

/**
 * The named problem at a size; an unknown name is invalid input listing the valid ones.
 *
 * @example
 * const problem = namedProblem('push-box', 'test');
 */
export function namedProblem(name: string, size: ProblemSize = 'full'): OptimizationProblem {
  // own keys only: 'constructor' or '__proto__' must not reach Object.prototype
  const build = Object.hasOwn(NAMED, name)
    ? (NAMED as Record<string, (size: ProblemSize) => OptimizationProblem>)[name]
    : undefined;
  if (build === undefined)
    throw new UsageError(
      `unknown optimization scene '${name}': valid names are ${PROBLEM_NAMES.join(', ')}, or a scene file with an objective`,
    );
  return build(size);
}

/** Rebuild a problem from its spec. */
export function problemFromSpec(spec: ProblemSpec): OptimizationProblem {
  return spec.kind === 'named' ? namedProblem(spec.name, spec.size) : sceneFileProblem(spec.name, spec.scene);
}

/** The workers' factory: the problem of `spec` as a batch objective, whose `run` job is a local polish (global-strategies.ts). */
export function workerObjective(spec: unknown): BatchObjective {
  const problem = problemFromSpec(spec as ProblemSpec);
  return { ...batchObjective(problem), run: (x, job) => polish(problem, x, job as PolishJob) };
}
