/**
 * The dense pile: 256 half-metre cubes of 1 kg in 4 layers of 8 × 8, face to face on the
 * ground (every neighbour touching: faces, edges and corners), dt = 1/240 s, starting at
 * rest. The exact answer is that nothing moves, so the pile measures a solver's cost on
 * a dense contact graph and its accuracy at rest side by side:
 *
 * - `forward.pile256.<mode>.vsRapier`: our plain step in that contact mode over rapier's
 *   (default solver, sleeping off; bench/peers/rapier.ts), ms per step, interleaved runs;
 *   refused (the figure fails) when our pile does not stay at rest within 1 cm. Soft mode
 *   cannot stay at rest here: its touching faces (d = 0) push apart with the soft law's
 *   preload k·τ·ln 2 per corner, the dashpot never pulls, and the regularized friction
 *   creeps under any steady push, so the pile spreads by ~0.1 m while its layers hold
 *   (sim/contact/README.md). Its ratio is refused when a box sinks by 1 cm or drifts by
 *   half its size (the pile no longer holds together), and `forward.pile256.soft.contactsKept`
 *   says how much of the contact graph the timed steps still carry;
 * - `forward.pile256.<engine>.sinkMm`: after 1 s, the largest drop of a box below its
 *   start height, mm (penetration accumulated down the columns);
 * - `forward.pile256.<engine>.driftMm`: after 1 s, the largest horizontal displacement
 *   of a box from its start, mm.
 */
import { buildModel, initialState } from '../sim/builder.ts';
import type { Scene } from '../sim/scene.ts';
import { parseScene } from '../sim/scene.ts';
import { createStepData, step } from '../sim/step.ts';
import type { Figure } from './harness.ts';
import { diffcontactEngine, diffcontactHardEngine } from './peers/diffcontact.ts';
import type { Engine } from './peers/peer.ts';
import { rapierEngine } from './peers/rapier.ts';
import { medianStepMs } from './sim.ts';

/** Side of a layer, layers, cube half extent (m), time step (s). */
const PILE = { nx: 8, layers: 4, half: 0.25, dt: 1 / 240 } as const;
/** Steps of one timed run, and of the accuracy run (1 s). */
const TIMED_STEPS = 120;
const ACCURACY_STEPS = 240;
/** m: sink or drift beyond this after 1 s means the pile did not stay at rest (rapier: ~3 mm) */
const AT_REST = 0.01;
/** m: soft mode's drift bound, half a box: beyond it the pile has come apart (module comment) */
const SOFT_HOLDS_DRIFT = PILE.half;

/** The pile as a scene in contact mode `mode` (soft at k = 1e4 N/m, as the soft-pile test). */
export function pileScene(mode: 'hard' | 'soft'): Scene {
  const bodies: object[] = [{ name: 'ground', shape: { type: 'plane' } }];
  for (let l = 0; l < PILE.layers; l++) {
    for (let i = 0; i < PILE.nx; i++) {
      for (let j = 0; j < PILE.nx; j++) {
        bodies.push({
          name: `b${l}_${i}_${j}`,
          shape: { type: 'box', halfExtents: [PILE.half, PILE.half, PILE.half] },
          mass: 1,
          position: [2 * PILE.half * i, 2 * PILE.half * j, PILE.half * (1 + 2 * l)],
        });
      }
    }
  }
  const contact = mode === 'soft' ? { mode, stiffness: 1e4 } : { mode };
  return parseScene({ dt: PILE.dt, steps: ACCURACY_STEPS, contact, bodies });
}

/** Largest sink below the start height and largest horizontal drift of any box after `steps`, m. */
export function pileAccuracy(engine: Engine, scene: Scene, steps = ACCURACY_STEPS): { sink: number; drift: number } {
  const world = engine.create(scene);
  try {
    const names = scene.bodies.filter((b) => b.shape.type !== 'plane').map((b) => b.name);
    const start = new Map(names.map((name) => [name, world.position(name)]));
    for (let t = 0; t < steps; t++) world.step();
    let sink = 0,
      drift = 0;
    for (const name of names) {
      const [x0, y0, z0] = start.get(name)!;
      const [x, y, z] = world.position(name);
      if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)))
        throw new Error(`${engine.name}: box '${name}' left the finite numbers`);
      sink = Math.max(sink, z0 - z);
      drift = Math.max(drift, Math.hypot(x - x0, y - y0));
    }
    return { sink, drift };
  } finally {
    world.dispose();
  }
}

/** Our force-mode pile's contact count after each of `after` steps (ascending). */
function contactCounts(scene: Scene, after: readonly number[]): number[] {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const data = createStepData(model);
  const counts: number[] = [];
  for (let t = 1; t <= after[after.length - 1]; t++) {
    step(model, data, state, null, state);
    if (after.includes(t)) counts.push(data.contacts.count);
  }
  return counts;
}

/** The pile figures of one contact mode (timing against rapier, accuracy of both). */
function pileFigures(mode: 'hard' | 'soft', ours: Engine): Figure[] {
  let times: Record<string, number> | undefined;
  let accuracy: Record<string, { sink: number; drift: number }> | undefined;
  const timed = () =>
    (times ??= medianStepMs([ours, rapierEngine], pileScene(mode), { steps: TIMED_STEPS, warmup: 1, reps: 3 }));
  const measured = () =>
    (accuracy ??= { ours: pileAccuracy(ours, pileScene(mode)), rapier: pileAccuracy(rapierEngine, pileScene(mode)) });
  const figures: Figure[] = [
    {
      name: `forward.pile256.${mode}.vsRapier`,
      describe:
        `plain forward ms per step on the 256-box pile (4 touching layers, dt 1/240, ${mode}) over rapier (default solver, sleeping off), side by side` +
        (mode === 'soft'
          ? '; the soft pile spreads (preload of touching faces): see its driftMm and contactsKept'
          : ''),
      unit: 'ratio',
      goal: mode === 'hard' ? { max: 2 } : undefined,
      run: () => {
        // a pile that falls apart costs less per step than one at rest: no ratio from it
        const { sink, drift } = measured().ours;
        const holds = mode === 'soft' ? sink < AT_REST && drift < SOFT_HOLDS_DRIFT : sink < AT_REST && drift < AT_REST;
        if (!holds) {
          throw new Error(
            `the ${mode} pile is not ${mode === 'soft' ? 'holding together' : 'at rest'} after 1 s (sink ${(1000 * sink).toPrecision(3)} mm, drift ${(1000 * drift).toPrecision(3)} mm): no timing ratio from it`,
          );
        }
        return timed()[ours.name] / timed()[rapierEngine.name];
      },
    },
    {
      name: `forward.pile256.${mode}.msPerStep`,
      describe: `our ms per step on the 256-box pile (${mode}), from the same runs`,
      unit: 'ms',
      run: () => timed()[ours.name],
    },
    {
      name: `forward.pile256.${mode}.sinkMm`,
      describe: `largest drop of a box below its start after 1 s of the pile (${mode}), mm`,
      unit: 'mm',
      run: () => 1000 * measured().ours.sink,
    },
    {
      name: `forward.pile256.${mode}.driftMm`,
      describe: `largest horizontal drift of a box after 1 s of the pile (${mode}), mm`,
      unit: 'mm',
      run: () => 1000 * measured().ours.drift,
    },
  ];
  if (mode === 'soft') {
    figures.push({
      name: 'forward.pile256.soft.contactsKept',
      describe:
        'our soft pile: contacts after the timed run (0.5 s) over contacts at its first step (the spread pile carries fewer)',
      unit: 'ratio',
      run: () => {
        const counts = contactCounts(pileScene('soft'), [1, TIMED_STEPS]);
        return counts[1] / counts[0];
      },
    });
  }
  if (mode === 'hard') {
    figures.push(
      {
        name: 'forward.pile256.rapier.msPerStep',
        describe: 'rapier ms per step on the 256-box pile, from the hard runs',
        unit: 'ms',
        run: () => timed()[rapierEngine.name],
      },
      {
        name: 'forward.pile256.rapier.sinkMm',
        describe: 'rapier: largest drop of a box below its start after 1 s of the pile, mm',
        unit: 'mm',
        run: () => 1000 * measured().rapier.sink,
      },
      {
        name: 'forward.pile256.rapier.driftMm',
        describe: 'rapier: largest horizontal drift of a box after 1 s of the pile, mm',
        unit: 'mm',
        run: () => 1000 * measured().rapier.drift,
      },
    );
  }
  return figures;
}

/** The pile figures: hard mode (with rapier's own figures) and soft mode. */
export const pile256Figures: Figure[] = [
  ...pileFigures('hard', diffcontactHardEngine),
  ...pileFigures('soft', diffcontactEngine),
];
