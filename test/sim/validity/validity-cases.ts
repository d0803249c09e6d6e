/**
 * The validity radius against the sweep, per decision kind: each case is a scene near one
 * non-smooth decision; `measureCase` computes the decision's first-order distance
 * (sim/validity.ts) and the place where a fine sweep of the AD gradient, started at the
 * scene's own value and run past the predicted flip, sees the gradient jump (sim/sweep.ts
 * refinement). The test (validity.test.ts) asks them to agree within 10 %; the table
 * script (validity-table.ts) prints them.
 */
import { sceneFunction } from '../../../sim/scene-function.ts';
import { parseScene, type Scene } from '../../../sim/scene.ts';
import { sweepFunction } from '../../../sim/sweep.ts';

/** One decision kind's scene and what to sweep. */
export interface ValidityCase {
  name: string;
  scene: Scene;
  of: string;
  wrt: string;
  /** the decision the case is about: a label fragment (`ground/ball onset`) */
  decision: string;
  /** gradient difference the sweep refines on (the decision's gradient change is larger) */
  jumpTol: number;
}

/** Predicted and swept distance of one case's decision, in the parameter's unit. */
export interface CaseMeasurement {
  name: string;
  decision: string;
  margin: number;
  predicted: number;
  swept: number;
  /** gradient before and after the swept change */
  gradientJump: number;
  /** |swept − predicted| / predicted */
  error: number;
}

const ground = { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } };

function ballDrop(mode: string, z: number, steps: number, contact: Record<string, number> = {}): Scene {
  return parseScene({
    dt: 0.001,
    steps,
    gravity: [0, 0, -9.81],
    contact: { mode, restitution: 0.5, stiffness: 1e4, damping: 100, ...contact },
    bodies: [ground, { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, z] }],
  });
}

/**
 * A box (0.2 × 0.2 × 0.1 m) tilted by 0.15 rad about y, resting on its lower edge and
 * falling flat: its far edge reaches the ground after ~68 steps. Frictionless, so the
 * pivot slides rather than sticks (no stick/slip decision nearer than the landing).
 */
function tippingBox(steps: number): Scene {
  const tilt = 0.15;
  const [hx, hz] = [0.1, 0.05];
  // lowest corner of the tilted box: centre height that puts it on the ground
  const z = hx * Math.sin(tilt) + hz * Math.cos(tilt);
  return parseScene({
    dt: 0.001,
    steps,
    gravity: [0, 0, -9.81],
    contact: { mode: 'hard', friction: 0, restitution: 0 },
    bodies: [
      ground,
      {
        name: 'box',
        shape: { type: 'box', halfExtents: [hx, 0.1, hz] },
        mass: 1,
        position: [0, 0, z],
        orientation: [Math.cos(tilt / 2), 0, Math.sin(tilt / 2), 0],
      },
    ],
  });
}

const s8 = Math.sin(Math.PI / 8),
  c8 = Math.cos(Math.PI / 8);

/**
 * A cube (half 0.1 m) turned 45° about y lying across the top edge of a static box turned
 * 45° about x, edges crossed, 2 mm deep: the box–box narrowphase picks the edge pair, and
 * switches to a face of the ridge once the cube's end corner is 0.83 mm from the ridge
 * line (1.17 mm further along y; validity-features.test.ts finds it from the corners).
 */
function cubeOnRidge(): Scene {
  return parseScene({
    dt: 0.001,
    steps: 10,
    gravity: [0, 0, 0],
    contact: { mode: 'penalty', stiffness: 1e4, friction: 0, restitution: 0, margin: 0.01 },
    bodies: [
      {
        name: 'ridge',
        static: true,
        shape: { type: 'box', halfExtents: [0.5, 0.5, 0.5] },
        position: [0, 0, 0],
        orientation: [c8, s8, 0, 0],
      },
      {
        name: 'cube',
        shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] },
        mass: 1,
        position: [0, 0.098, Math.SQRT1_2 + 0.1 * Math.SQRT2 - 0.002],
        orientation: [c8, 0, s8, 0],
      },
    ],
  });
}

/**
 * A cube (half 0.1 m) resting flat on a static table (half 0.5 m) with its edge 1 mm in
 * from the table's edge: the face manifold's clipping keeps the cube's corners until they
 * cross the table's side plane, 1 mm away in y.
 */
function cubeNearTableEdge(): Scene {
  return parseScene({
    dt: 0.001,
    steps: 10,
    gravity: [0, 0, -9.81],
    contact: { mode: 'penalty', stiffness: 1e4, friction: 0, restitution: 0, margin: 0.01 },
    bodies: [
      { name: 'table', static: true, shape: { type: 'box', halfExtents: [0.5, 0.5, 0.5] }, position: [0, 0, 0] },
      { name: 'cube', shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] }, mass: 1, position: [0, 0.399, 0.598] },
    ],
  });
}

/**
 * a (v = 2 m/s along x) meets b half-way into step 49 while d (−v) meets c `ds` steps later
 * (or earlier); b/c lies `gap` apart, caught in that step when both are struck, so the
 * placement moves b/c's impulse back by the earlier impact's s (sim/hard/placement-islands.ts)
 * and which of the two is earlier is a decision (`a/b vs c/d earliest impact`). Equal
 * spheres r = 5 cm, e = 0.9, frictionless, no gravity, dt = 1 ms, 55 steps.
 */
export function struckFromBothSides(ds: number, gap: number): Scene {
  const [r, v, dt] = [0.05, 2, 0.001];
  const sphere = (name: string, x: number, vx = 0) => ({
    name,
    shape: { type: 'sphere', radius: r },
    mass: 1,
    position: [x, 0, 0],
    linearVelocity: [vx, 0, 0],
  });
  const xc = 2 * r + gap;
  return parseScene({
    dt,
    steps: 55,
    gravity: [0, 0, 0],
    contact: { mode: 'hard', friction: 0, restitution: 0.9 },
    bodies: [
      sphere('a', -2 * r - v * 49.5 * dt, v),
      sphere('b', 0),
      sphere('c', xc),
      sphere('d', xc + 2 * r + v * (49.5 + ds) * dt, -v),
    ],
  });
}

/** The cases, one per decision kind (names as in the list). */
export function validityCases(): ValidityCase[] {
  return [
    {
      name: 'ball-drop onset (hard)',
      scene: ballDrop('hard', 0.2972, 200),
      of: 'ball.position.z',
      wrt: 'ball.position.z',
      decision: 'ground/ball onset',
      jumpTol: 1e-3,
    },
    // penalty: the dashpot's activation starts half a step's travel before touch
    // (sim/contact/step-exact.ts), so the first decision met is its ramp, not the onset
    {
      name: 'ball-drop onset (penalty)',
      scene: ballDrop('penalty', 0.2972, 200),
      of: 'ball.position.z',
      wrt: 'ball.position.z',
      decision: 'ground/ball damping ramp',
      jumpTol: 1e-3,
    },
    {
      name: 'ball-drop margin entry (soft)',
      scene: ballDrop('soft', 0.2965, 200, { temperature: 5e-4, margin: 0.002 }),
      of: 'ball.position.z',
      wrt: 'ball.position.z',
      decision: 'ground/ball margin',
      jumpTol: 1e-6,
    },
    {
      name: 'second impact entering the horizon (hard)',
      scene: ballDrop('hard', 0.3, 404),
      of: 'ball.position.z',
      wrt: 'ball.position.z',
      decision: 'ground/ball onset',
      jumpTol: 1e-3,
    },
    {
      name: 'slide-to-stick (penalty)',
      scene: parseScene({
        dt: 0.001,
        steps: 200,
        gravity: [0, 0, -9.81],
        contact: { mode: 'penalty', stiffness: 1e5, damping: 1e4, friction: 0.5 },
        bodies: [
          ground,
          {
            name: 'box',
            shape: { type: 'box', halfExtents: [0.1, 0.1, 0.05] },
            mass: 1,
            position: [0, 0, 0.0499755],
            linearVelocity: [1.0, 0, 0],
          },
        ],
      }),
      of: 'box.position.x',
      wrt: 'box.linearVelocity.x',
      decision: 'stick/slip',
      jumpTol: 1e-4,
    },
    {
      name: 'slide-to-stick (hard)',
      scene: parseScene({
        dt: 0.001,
        steps: 200,
        gravity: [0, 0, -9.81],
        contact: { mode: 'hard', friction: 0.5, restitution: 0 },
        bodies: [
          ground,
          {
            name: 'box',
            shape: { type: 'box', halfExtents: [0.1, 0.1, 0.05] },
            mass: 1,
            position: [0, 0, 0.05],
            linearVelocity: [1.0, 0, 0],
          },
        ],
      }),
      of: 'box.position.x',
      wrt: 'box.linearVelocity.x',
      decision: 'stick/slip',
      jumpTol: 1e-4,
    },
    {
      name: 'box tipping onto its far edge (hard)',
      scene: tippingBox(66),
      of: 'box.angularVelocity.y',
      wrt: 'box.angularVelocity.y',
      decision: 'ground/box onset',
      jumpTol: 1e-4,
    },
    {
      name: 'box–box face/edge switch (penalty)',
      scene: cubeOnRidge(),
      of: 'cube.position.z',
      wrt: 'cube.position.y',
      decision: 'ridge/cube separating axis',
      jumpTol: 1e-4,
    },
    {
      name: 'box–box clipping: a corner leaves the face (penalty)',
      scene: cubeNearTableEdge(),
      of: 'cube.position.z',
      wrt: 'cube.position.y',
      decision: 'table/cube face clip',
      jumpTol: 1e-4,
    },
    {
      name: 'glancing sphere–sphere onset (penalty)',
      scene: parseScene({
        dt: 0.001,
        steps: 300,
        gravity: [0, 0, 0],
        contact: { mode: 'penalty', stiffness: 1e4, damping: 100, friction: 0 },
        bodies: [
          {
            name: 'a',
            shape: { type: 'sphere', radius: 0.1 },
            mass: 1,
            position: [0, 0.201, 0],
            linearVelocity: [2, 0, 0],
          }, // 1 mm apart at closest: the penalty dashpot's ramp starts at 0.5 mm (τ/2 at v_n = 0)
          { name: 'b', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0.3, 0, 0] },
        ],
      }),
      of: 'b.position.y',
      wrt: 'a.position.y',
      decision: 'a/b damping ramp',
      jumpTol: 1e-6,
    },
    {
      name: 'earliest of two placed impacts in one island (hard)',
      scene: struckFromBothSides(0.1, 1e-3),
      of: 'b.position.x',
      wrt: 'd.position.x',
      decision: 'a/b vs c/d earliest impact',
      jumpTol: 1e-3,
    },
    {
      name: 'the position pass after a placed impulse that carries weight (hard)',
      scene: struckOffTheCloth(),
      of: 'b.position.z',
      wrt: 'a.position.x',
      decision: 'ground/b position pass',
      jumpTol: 1e-3,
    },
    {
      name: 'the position pass on a start overlap, no placed impact (hard)',
      scene: startedInTheGround(2e-5),
      of: 'ball.position.z',
      wrt: 'ball.position.z',
      decision: 'ground/ball position pass',
      jumpTol: 0.1,
    },
  ];
}

/**
 * A ball, no gravity, started δ = 20 µm into the ground (beyond the resting gap of 10 µm,
 * whose bound convention the tangents and differences read alike only outside it) and
 * leaving it at w = 1 mm/s (so that its contact is not at rest without load, an onset at
 * margin 0): its first-order end gap is
 * g = −δ + w·dt, the pass (no placed impact) lifts it to g = 0, so d z(T)/d z₀ = 0; raising z₀
 * by |g| − tol leaves a penetration within the tolerance, the pass no longer runs and
 * z(T) = z₀ + w·T: the gradient turns 0 → 1 at δ = w·dt + tol (and the value jumps by the
 * tolerance).
 */
function startedInTheGround(delta: number): Scene {
  return parseScene({
    dt: 0.001,
    steps: 5,
    gravity: [0, 0, 0],
    contact: { mode: 'hard', friction: 0.5, restitution: 0 },
    bodies: [
      ground,
      {
        name: 'ball',
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        position: [0, 0, 0.1 - delta],
        linearVelocity: [0, 0, 1e-3],
      },
    ],
  });
}

/**
 * a, with backspin, strikes b resting on the cloth in the last step (s = 0.55): the a/b
 * friction lifts b (w = 4.4 mm/s), so b's cloth contact carries nothing and b's weight
 * rides on the placed a/b impulse, which the placement moves back by s·dt. b's first-order
 * end gap is dt·(w(1 − s) − s·|g|·dt): −2.4e-6 m, so the position pass runs and holds b on
 * the cloth (d b.z / d a.x = 0). Moving a back by δ makes the impact later by δ/(v·dt) of a
 * step; at s* = (w·dt + tol)/(dt·(w + |g|·dt)) = 0.38 the gap reaches −tol (1 µm) and
 * the pass stops: δ* = (s − s*)·v·dt ≈ 3.3e-4 m (sim/hard/decisions.ts `position pass`).
 */
function struckOffTheCloth(): Scene {
  const r = 0.05;
  const ball = (name: string, x: number, extra: object = {}) => ({
    name,
    shape: { type: 'sphere', radius: r },
    mass: 0.2,
    position: [x, 0, r],
    ...extra,
  });
  return parseScene({
    dt: 0.001,
    steps: 50,
    contact: { mode: 'hard', friction: 0.0075, restitution: 0.9 },
    bodies: [ground, ball('a', -0.199, { linearVelocity: [2, 0, 0], angularVelocity: [0, -100, 0] }), ball('b', 0)],
  });
}

/**
 * Predicted distance of the case's nearest decision of its kind, and where a sweep from
 * the scene's value towards the predicted flip (to twice its distance) first sees the AD
 * gradient jump.
 */
export function measureCase(c: ValidityCase): CaseMeasurement {
  const f = sceneFunction(c.scene, c.of, [c.wrt]);
  const x0 = f.x0[0];
  const d = f.validity([x0]).decisions.find((k) => k.label.includes(c.decision));
  if (d === undefined) throw new Error(`${c.name}: no '${c.decision}' decision among the nearest`);
  const predicted = d.byParameter[c.wrt];
  const flip = d.flipAt[c.wrt];
  const end = x0 + 2 * (flip - x0);
  const [from, to] = end > x0 ? [x0, end] : [end, x0];
  const swept = sweepFunction(
    {
      gradient: (x) => {
        const g = f.gradient([x]);
        return { value: g.value, grad: g.grad[0], kinks: g.kinks };
      },
      value: (x) => f.value([x]),
    },
    { from, to, n: 11, levels: 14, jumpTol: c.jumpTol },
  );
  // the jump nearest the start point is the first flip met on the way
  const jumps = [...swept.jumps].sort((a, b) => Math.abs(a.at - x0) - Math.abs(b.at - x0));
  const first = jumps[0];
  const sweptDistance = first === undefined ? NaN : Math.abs(first.at - x0);
  return {
    name: c.name,
    decision: d.label,
    margin: d.margin,
    predicted,
    swept: sweptDistance,
    gradientJump: first?.size ?? NaN,
    error: Math.abs(sweptDistance - predicted) / predicted,
  };
}
