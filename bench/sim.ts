/**
 * Simulator figures against the engines a user would pick instead (cannon-es, rapier):
 * ms per step on the 100-box pile, garbage-collection events during a run, and physics
 * side by side with closed forms (a sliding box's stopping distance, a ball's bounce
 * apexes, a capsule rolling down a ramp).
 *
 * Everything takes an {@link Engine} (bench/peers/peer.ts), so our simulator joins by
 * implementing that face: `forwardFigures(ours)` times it against both peers in one
 * interleaved run, `physicsRows([ours, ...PEERS])` adds its column to the physics table,
 * and `gcEventsDuringSteps(ours, scene, 1000)` counts its collections.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as nextImmediate } from 'node:timers/promises';
import { parseSceneText, type Scene } from '../sim/scene.ts';
import { median, type Figure } from './harness.ts';
import { cannonEngine } from './peers/cannon.ts';
import { sceneBody, stepMsPerStep, trajectory, type Engine } from './peers/peer.ts';
import { rapierEngine } from './peers/rapier.ts';

/** The peers, in table order. */
export const PEERS: readonly Engine[] = [cannonEngine, rapierEngine];

/**
 * A scene of scenes/ by file name without `.json`, parsed.
 *
 * @example
 * const pile = loadScene('boxes100');
 */
export function loadScene(name: string): Scene {
  return parseSceneText(readFileSync(new URL(`../scenes/${name}.json`, import.meta.url), 'utf8'));
}

// ---------------------------------------------------------------------------------------
// step times

/** How many runs the step-time medians take. */
export interface StepTimeOptions {
  /** steps per run (default: the scene's `steps`) */
  steps?: number;
  /** untimed runs of every engine first, so each JIT (and rapier's allocator) has warmed up */
  warmup?: number;
  /** timed runs of every engine; the median is reported */
  reps?: number;
}

/**
 * Median ms per step of each engine on `scene`, by engine name. Runs are interleaved (one
 * run of each engine per round), so drifts in machine load hit all engines alike; each run
 * builds a fresh world (untimed) and times its steps.
 *
 * @example
 * const ms = medianStepMs([ours, ...PEERS], loadScene('boxes100'));
 * ms.diffcontact / ms.cannon; // forward.boxes100.vsCannon
 */
export function medianStepMs(
  engines: readonly Engine[],
  scene: Scene,
  opts: StepTimeOptions = {},
): Record<string, number> {
  const steps = opts.steps ?? scene.steps;
  const warmup = opts.warmup ?? 1;
  const reps = opts.reps ?? 5;
  const samples = engines.map((): number[] => []);
  for (let round = 0; round < warmup + reps; round++) {
    engines.forEach((engine, e) => {
      const ms = stepMsPerStep(engine, scene, steps);
      if (round >= warmup) samples[e].push(ms);
    });
  }
  return Object.fromEntries(engines.map((engine, e) => [engine.name, median(samples[e])]));
}

let peerTimesOnPile: Record<string, number> | undefined;

/**
 * The peers' median ms per step on a scene (default: boxes100, 1,000 steps). The default
 * measurement is made once per process and shared by the figures that read it.
 */
export function peerStepTimes(scene?: Scene, opts: StepTimeOptions = {}): Record<string, number> {
  if (scene !== undefined) return medianStepMs(PEERS, scene, opts);
  peerTimesOnPile ??= medianStepMs(PEERS, loadScene('boxes100'), opts);
  return peerTimesOnPile;
}

// ---------------------------------------------------------------------------------------
// garbage collection

/**
 * Garbage-collection events (PerformanceObserver, entry type 'gc') while `fn` runs. Node
 * reports a collection on a later turn of the event loop, so the count is awaited: the
 * observer is drained once before `fn` (to drop collections that happened before it) and
 * after `fn` until a turn brings no new entry.
 *
 * @example
 * const n = await countGcEvents(() => { for (let i = 0; i < 1000; i++) world.step(); });
 */
export async function countGcEvents(fn: () => void): Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    count += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await nextImmediate();
    observer.takeRecords();
    count = 0;
    fn();
    // entries arrive on the next turns; stop after a turn that brings none
    for (let seen = -1; seen !== count;) {
      seen = count;
      await nextImmediate();
      count += observer.takeRecords().length;
    }
    return count;
  } finally {
    observer.disconnect();
  }
}

/**
 * GC events during `steps` steps of a world of `scene` built by `engine`, after `warmSteps`
 * steps of the same world that are not counted (the build is not counted either): a step
 * runs in V8's interpreter and baseline code at first, which box every double, until it is
 * optimized. `forward.boxes100.gcPer1000Steps` is this for our plain forward step.
 */
export async function gcEventsDuringSteps(engine: Engine, scene: Scene, steps = 1000, warmSteps = 0): Promise<number> {
  const world = engine.create(scene);
  try {
    for (let i = 0; i < warmSteps; i++) world.step();
    return await countGcEvents(() => {
      for (let i = 0; i < steps; i++) world.step();
    });
  } finally {
    world.dispose();
  }
}

// ---------------------------------------------------------------------------------------
// physics side by side

/** One quantity measured in each engine next to its closed form. */
export interface PhysicsRow {
  quantity: string;
  unit: string;
  closedForm: number;
  /** value per engine name; NaN where the engine cannot run the scene or shows no such event */
  engines: Record<string, number>;
}

/** The first plane of a scene as (unit normal, offset): the ground the measurements use. */
function groundPlane(scene: Scene): { n: [number, number, number]; offset: number } {
  const plane = scene.bodies.find((b) => b.shape.type === 'plane');
  if (!plane || plane.shape.type !== 'plane') throw new RangeError('scene has no plane');
  const [x, y, z] = plane.shape.normal;
  const length = Math.hypot(x, y, z);
  return { n: [x / length, y / length, z / length], offset: plane.shape.offset / length };
}

function pairFriction(scene: Scene, a: string, b: string): number {
  const f = (name: string) => sceneBody(scene, name).friction ?? scene.contact.friction;
  return Math.sqrt(f(a) * f(b));
}

function pairRestitution(scene: Scene, a: string, b: string): number {
  const e = (name: string) => sceneBody(scene, name).restitution ?? scene.contact.restitution;
  return Math.max(e(a), e(b));
}

function planeName(scene: Scene): string {
  const plane = scene.bodies.find((b) => b.shape.type === 'plane');
  if (!plane) throw new RangeError('scene has no plane');
  return plane.name;
}

/** Coulomb stopping distance v₀² / (2 μ g) of `body` sliding on the scene's level ground (m). */
export function closedFormSlideDistance(scene: Scene, body = 'box'): number {
  const [vx, vy, vz] = sceneBody(scene, body).linearVelocity;
  const g = Math.hypot(...scene.gravity);
  return (vx * vx + vy * vy + vz * vz) / (2 * pairFriction(scene, body, planeName(scene)) * g);
}

/** Horizontal distance (m) `body` travels over the scene's horizon in `engine` (the scene lets it come to rest). */
export function slideDistance(engine: Engine, scene: Scene, body = 'box'): number {
  const tr = trajectory(engine, scene, body, scene.steps);
  const end = tr.length - 3;
  return Math.hypot(tr[end] - tr[0], tr[end + 1] - tr[1]);
}

/**
 * A local maximum of the height only counts as an apex above this fraction of the drop
 * height: resting contact jitters by far less, the apexes of ball-drop are above 25 %.
 */
const APEX_MIN_FRACTION = 0.01;

/** Height of a sphere's lowest point over the ground plane, m. */
function sphereClearance(scene: Scene, body: string, p: ArrayLike<number>, at: number): number {
  const shape = sceneBody(scene, body).shape;
  if (shape.type !== 'sphere') throw new RangeError(`body '${body}' is not a sphere`);
  const { n, offset } = groundPlane(scene);
  return n[0] * p[at] + n[1] * p[at + 1] + n[2] * p[at + 2] - offset - shape.radius;
}

/** Closed-form bounce apexes e^{2k}·h₀, k = 1…count, of a sphere dropped from rest h₀ above the ground (m). */
export function closedFormApexes(scene: Scene, count = 3, body = 'ball'): number[] {
  const h0 = sphereClearance(scene, body, sceneBody(scene, body).position, 0);
  const e = pairRestitution(scene, body, planeName(scene));
  return Array.from({ length: count }, (_, k) => e ** (2 * (k + 1)) * h0);
}

/** The first `count` bounce apexes (clearance over the ground, m) of `body` in `engine`; NaN for missing ones. */
export function bounceApexes(engine: Engine, scene: Scene, count = 3, body = 'ball'): number[] {
  const tr = trajectory(engine, scene, body, scene.steps);
  const h = Array.from({ length: tr.length / 3 }, (_, i) => sphereClearance(scene, body, tr, 3 * i));
  const floor = APEX_MIN_FRACTION * h[0];
  const apexes: number[] = [];
  for (let i = 1; i + 1 < h.length && apexes.length < count; i++) {
    if (h[i] > h[i - 1] && h[i] >= h[i + 1] && h[i] > floor) apexes.push(h[i]);
  }
  while (apexes.length < count) apexes.push(NaN);
  return apexes;
}

/**
 * Closed-form distance (m) down the slope that a capsule rolling without slip covers from
 * rest over the scene's horizon: ½ a t², a = g sin θ / (1 + I/(m r²)), I its moment about
 * its own axis, θ the ramp's inclination.
 */
export function closedFormRollDistance(scene: Scene, body = 'capsule'): number {
  const b = sceneBody(scene, body);
  if (b.shape.type !== 'capsule' || b.mass === undefined)
    throw new RangeError(`body '${body}' is not a capsule with a mass`);
  const { radius: r, halfLength: h } = b.shape;
  const m = b.mass;
  // sim/inertia.ts capsuleInertia, axial moment: cylinder m r²/2 + hemispheres 2/5 m r², mass split by volume
  const cylinderShare = (2 * h) / (2 * h + (4 / 3) * r);
  const axial = 0.5 * m * cylinderShare * r * r + 0.4 * m * (1 - cylinderShare) * r * r;
  const { n } = groundPlane(scene);
  const g = Math.hypot(...scene.gravity);
  const sinTheta = Math.sqrt(Math.max(0, 1 - n[2] * n[2]));
  const t = scene.steps * scene.dt;
  return (0.5 * g * sinTheta * t * t) / (1 + axial / (m * r * r));
}

/** Distance (m) `body` travels over the scene's horizon in `engine`. */
export function travelDistance(engine: Engine, scene: Scene, body: string): number {
  const tr = trajectory(engine, scene, body, scene.steps);
  const end = tr.length - 3;
  return Math.hypot(tr[end] - tr[0], tr[end + 1] - tr[1], tr[end + 2] - tr[2]);
}

/** NaN where an engine cannot build the scene (cannon-es and capsules). */
function orNaN<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof RangeError) return fallback;
    throw err;
  }
}

/**
 * The physics table: scenes/box-slide.json's stopping distance, scenes/ball-drop.json's
 * first three bounce apexes and scenes/capsule-roll.json's distance rolled, for each
 * engine next to the closed form.
 *
 * @example
 * process.stdout.write(formatPhysicsTable(physicsRows([ours, ...PEERS])));
 */
export function physicsRows(engines: readonly Engine[]): PhysicsRow[] {
  const slide = loadScene('box-slide');
  const drop = loadScene('ball-drop');
  const roll = loadScene('capsule-roll');
  const perEngine = (f: (e: Engine) => number) =>
    Object.fromEntries(engines.map((e) => [e.name, orNaN(() => f(e), NaN)]));
  const rows: PhysicsRow[] = [
    {
      quantity: 'box-slide: stopping distance, v²/(2μg)',
      unit: 'm',
      closedForm: closedFormSlideDistance(slide),
      engines: perEngine((e) => slideDistance(e, slide)),
    },
  ];
  const apexes = Object.fromEntries(engines.map((e) => [e.name, orNaN(() => bounceApexes(e, drop), [NaN, NaN, NaN])]));
  closedFormApexes(drop).forEach((closedForm, k) => {
    rows.push({
      quantity: `ball-drop: apex ${k + 1}, e^${2 * (k + 1)}·h`,
      unit: 'm',
      closedForm,
      engines: Object.fromEntries(engines.map((e) => [e.name, apexes[e.name][k]])),
    });
  });
  rows.push({
    quantity: 'capsule-roll: distance in 1 s, ½·g sinθ/(1 + I/mr²)·t²',
    unit: 'm',
    closedForm: closedFormRollDistance(roll),
    engines: perEngine((e) => travelDistance(e, roll, 'capsule')),
  });
  return rows;
}

/** The physics table for the peers alone (the lead adds our engine's column with `physicsRows`). */
export function peerPhysicsRows(): PhysicsRow[] {
  return physicsRows(PEERS);
}

/** A plain-text table of physics rows: each engine's value and its relative error against the closed form. */
export function formatPhysicsTable(rows: readonly PhysicsRow[]): string {
  const names = Object.keys(rows[0]?.engines ?? {});
  const cell = (v: number, ref: number) =>
    Number.isNaN(v) ? 'n/a' : `${v.toFixed(4)} (${(((v - ref) / ref) * 100).toFixed(1).replace(/^(?!-)/, '+')} %)`;
  const table = [
    ['quantity', 'unit', 'closed form', ...names],
    ...rows.map((r) => [
      r.quantity,
      r.unit,
      r.closedForm.toFixed(4),
      ...names.map((n) => cell(r.engines[n], r.closedForm)),
    ]),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  return `${table
    .map((row) =>
      row
        .map((s, c) => s.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------
// figures

/** Figures of the peers alone: reference times to read next to the `forward.boxes100.*` ratios. */
export const peerFigures: Figure[] = [
  {
    name: 'peer.boxes100.cannonMsPerStep',
    describe: 'cannon-es ms per step on the 100-box pile (1,000 steps, default solver, median of 5 interleaved runs)',
    unit: 'ms',
    run: () => peerStepTimes().cannon,
  },
  {
    name: 'peer.boxes100.rapierMsPerStep',
    describe:
      'rapier (WASM) ms per step on the 100-box pile (1,000 steps, default parameters, no sleeping, median of 5)',
    unit: 'ms',
    run: () => peerStepTimes().rapier,
  },
  {
    name: 'peer.boxes100.cannonOverRapier',
    describe: 'cannon-es over rapier, ms per step on the 100-box pile, measured side by side',
    unit: 'ratio',
    run: () => peerStepTimes().cannon / peerStepTimes().rapier,
  },
];

/**
 * `forward.boxes100.vsCannon` and `forward.boxes100.vsRapier` for our engine: its ms per
 * step on the pile over each peer's, all three timed in one interleaved measurement
 * (made once, on the first figure that runs).
 *
 * @example
 * const figures = [...forwardFigures(diffcontactEngine), ...peerFigures];
 */
export function forwardFigures(
  ours: Engine,
  opts: { prefix?: string; mode?: 'soft' | 'penalty' | 'hard'; goals?: { cannon: number; rapier: number } } = {},
): Figure[] {
  const prefix = opts.prefix ?? 'forward.boxes100';
  const mode = opts.mode ?? 'soft';
  const goals = opts.goals ?? { cannon: 0.5, rapier: 1 };
  let measured: Record<string, number> | undefined;
  const scene = (): Scene => {
    const s = loadScene('boxes100');
    return { ...s, contact: { ...s.contact, mode } };
  };
  const times = () => (measured ??= medianStepMs([ours, ...PEERS], scene()));
  return [
    {
      name: `${prefix}.vsCannon`,
      describe: `plain forward ms per step on the 100-box pile (${mode}, no tape) over cannon-es, side by side`,
      unit: 'ratio',
      goal: { max: goals.cannon },
      run: () => times()[ours.name] / times()[cannonEngine.name],
    },
    {
      name: `${prefix}.vsRapier`,
      describe: `plain forward ms per step on the 100-box pile (${mode}, no tape) over rapier (WASM), side by side`,
      unit: 'ratio',
      goal: { max: goals.rapier },
      run: () => times()[ours.name] / times()[rapierEngine.name],
    },
  ];
}
