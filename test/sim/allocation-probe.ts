/**
 * Young-generation bytes allocated by plain forward steps once warm, measured the way
 * users run the simulator: in a process of its own, on modules as tsx (or the bundled
 * CLI) loads them. Vitest's module runner rewrites imports and module scope, and there the
 * smoothed step boxes a number per contact that the same code does not box under tsx or
 * the bundle; so step-allocation.test.ts runs this file as a child process.
 *
 *   node --import tsx test/sim/allocation-probe.ts <case>
 *
 * prints one JSON line {case, steps, bytes, attempts, contacts, placedImpacts}. Cases:
 * - `pile-penalty`, `pile-soft`, `pile-hard`: the 100-box pile (scenes/boxes100.json) in
 *   that mode, 200 steps after the 1,000 of the scene (landed, settling);
 * - `stack-ball`: 4 stacked boxes and a lively ball (e = 0.9), hard, 1,000 steps after 5 s
 *   (the ball's bounces have died out: no placed impact in the window);
 * - `stack-ball-impacts`: the same, 1,000 steps after 3 s (the ball still bounces: steps
 *   with placed impacts, whose geometry goes through the generic feature formula).
 */
import { readFileSync } from 'node:fs';
import { buildModel, initialState } from '../../sim/builder.ts';
import { parseScene, type SceneInput } from '../../sim/scene.ts';
import { copyState, cloneState, type State } from '../../sim/state.ts';
import { createStepData, step } from '../../sim/step.ts';
import { youngBytesDuring } from './gc-watch.ts';

interface Case {
  scene: SceneInput;
  warmSteps: number;
  steps: number;
}

function pile(mode: 'penalty' | 'soft' | 'hard'): Case {
  const json = JSON.parse(readFileSync(new URL('../../scenes/boxes100.json', import.meta.url), 'utf8'));
  return { scene: { ...json, contact: { ...json.contact, mode } }, warmSteps: 1000, steps: 200 };
}

function stackAndBall(warmSteps: number): Case {
  const bodies: SceneInput['bodies'] = [{ name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } }];
  for (let i = 0; i < 4; i++)
    bodies.push({
      name: `box${i}`,
      shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] },
      mass: 1,
      position: [0, 0, 0.1 + 0.2 * i],
    });
  bodies.push({ name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [1, 0, 0.5] });
  return { scene: { dt: 1e-3, contact: { mode: 'hard', restitution: 0.9 }, bodies }, warmSteps, steps: 1000 };
}

const CASES: Record<string, () => Case> = {
  'pile-penalty': () => pile('penalty'),
  'pile-soft': () => pile('soft'),
  'pile-hard': () => pile('hard'),
  'stack-ball': () => stackAndBall(5000),
  'stack-ball-impacts': () => stackAndBall(3000),
};

const name = process.argv[2] ?? '';
const make = CASES[name];
if (make === undefined) {
  process.stderr.write(`allocation-probe: unknown case '${name}' (one of ${Object.keys(CASES).join(', ')})\n`);
  process.exit(2);
}
const { scene: input, warmSteps, steps } = make();
const scene = parseScene(input);
const model = buildModel(scene);
const state = initialState(model, scene);
const data = createStepData(model);
// Each measured run starts from the same state (the one after the warm-up), so attempts
// measure the same window; the step's own caches (warm starts) carry over, so the counts
// are kept per run and the one of the run whose bytes are reported is printed.
let start: State | null = null;
const placedPerRun: number[] = [];
const run = (n: number) => {
  if (start !== null) copyState(state, start);
  let placed = 0;
  for (let t = 0; t < n; t++) {
    step(model, data, state, null, state);
    if (data.hard !== null && data.hard.problem.placed) placed++;
  }
  placedPerRun.push(placed);
};
run(warmSteps);
start = cloneState(state);
placedPerRun.length = 0;
const allocation = await youngBytesDuring(() => run(steps));
const placedImpacts = placedPerRun[allocation.leastAttempt - 1];
process.stdout.write(
  JSON.stringify({
    case: name,
    steps,
    bytes: allocation.bytes,
    attempts: allocation.attempts,
    contacts: data.contacts.count,
    placedImpacts,
  }) + '\n',
);
