/**
 * Random single-impact scenarios for the property suite, as fast-check arbitraries: each
 * draw is a scene JSON (without dt/steps fixed: the suite sets dt and steps = T/dt), the
 * final quantities to compare and the parameters to differentiate.
 *
 * Every pair the reference covers: sphere, capsule and box against a static plane of any
 * orientation, and sphere against sphere. Drawn: the plane's normal, the approach direction
 * (oblique up to 75° from the normal), speed 1.5–4 m/s, spin up to 10 rad/s, friction 0…1
 * (exactly 0 a quarter of the time), restitution 0…1, gravity on (−9.81 ẑ) or off, masses
 * and sizes. The body starts 0.2–0.5 m away; the horizon T (a whole number of
 * milliseconds) is set once the reference has found the first impact, `after` = 0.06–0.2 s
 * later (compare.ts `withHorizon`), short enough that bodies fly freely after their impact;
 * what the draw leads to — no impact, a second impact, resting contact, a graze — is decided
 * by the reference, and such cases are skipped (compare.ts).
 */
import fc from 'fast-check';
import type { RefBodyInput, RefSceneInput } from '../event-driven/scene.ts';
import { add, norm, normalize, qFromRotationVector, scale, tangentBasis, type V3 } from '../event-driven/vec.ts';
import { box, capsule, G, plane, sphere } from '../scene-builders.ts';

export const PAIRS = ['sphere-plane', 'capsule-plane', 'box-plane', 'sphere-sphere'] as const;
export type Pair = (typeof PAIRS)[number];

export interface Scenario {
  pair: Pair;
  /** the scene at dt = 1e-3, its horizon long enough to find the first impact (0.5 s past a gravity-free estimate) */
  scene: RefSceneInput;
  /** s: the horizon ends this long after the first impact */
  after: number;
  of: string[];
  wrt: string[];
  /** the drawn settings, for reports */
  tags: { gravity: boolean; friction: number; restitution: number; obliqueDeg: number; spin: number };
}

/** Below this friction the pair's μ = √(μ_A μ_B) has no usable derivative w.r.t. μ_A (it is ∞ at 0). */
const MIN_FRICTION_PARAM = 0.05;
/** Below this restitution the pair's max(e_A, e_B) is at its tie with the other body's 0. */
const MIN_RESTITUTION_PARAM = 0.02;

/**
 * A number drawn evenly from [min, max] on a grid of 1e6 steps. fast-check's own doubles
 * crowd near the ends and near 0 (1e-300 friction, 1e-200 rad/s spin), which would spend
 * the runs on degenerate draws.
 */
const uniform = (min: number, max: number): fc.Arbitrary<number> =>
  fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((k) => min + ((max - min) * k) / 1_000_000);

const unit = fc
  .tuple(uniform(-1, 1), uniform(-1, 1), uniform(-1, 1))
  .filter((v) => Math.hypot(...v) > 0.2)
  .map((v) => normalize(v));

const common = fc.record({
  gravity: fc.boolean(),
  friction: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: uniform(0, 1) }),
  restitution: uniform(0, 1),
  oblique: uniform(0, (75 * Math.PI) / 180),
  speed: uniform(1.5, 4),
  tangentAngle: uniform(0, 2 * Math.PI),
  spinAxis: unit,
  spin: uniform(0, 10),
  distance: uniform(0.2, 0.5),
  after: uniform(0.06, 0.2),
  mass: uniform(0.5, 2),
  orientation: fc.tuple(unit, uniform(0, Math.PI)),
});

type Common = typeof common extends fc.Arbitrary<infer T> ? T : never;

/** Approach velocity: speed at `oblique` from −n, its tangential part at `tangentAngle`. */
function approach(n: V3, c: Common): V3 {
  const [t1, t2] = tangentBasis(n);
  const t = add(scale(t1, Math.cos(c.tangentAngle)), scale(t2, Math.sin(c.tangentAngle)));
  return scale(add(scale(n, -Math.cos(c.oblique)), scale(t, Math.sin(c.oblique))), c.speed);
}

const STATE_PARAMS = ['position', 'linearVelocity', 'angularVelocity'].flatMap((f) =>
  ['x', 'y', 'z'].map((a) => `${f}.${a}`),
);
const QUANTITIES = ['position', 'linearVelocity', 'angularVelocity'].flatMap((f) =>
  ['x', 'y', 'z'].map((a) => `${f}.${a}`),
);

function paramsOf(body: string, c: Common): string[] {
  const out = [...STATE_PARAMS, 'mass'].map((p) => `${body}.${p}`);
  if (c.friction >= MIN_FRICTION_PARAM) out.push(`${body}.friction`);
  if (c.restitution >= MIN_RESTITUTION_PARAM) out.push(`${body}.restitution`);
  return out;
}

function finish(pair: Pair, bodies: RefBodyInput[], c: Common, impactEstimate: number, dynamic: string[]): Scenario {
  const searchHorizon = impactEstimate + 0.5;
  return {
    pair,
    scene: {
      dt: 1e-3,
      steps: Math.round(searchHorizon * 1000),
      gravity: c.gravity ? [0, 0, -G] : [0, 0, 0],
      contact: { mode: 'hard', friction: c.friction, restitution: 0 },
      bodies,
    },
    after: c.after,
    of: dynamic.flatMap((b) => QUANTITIES.map((q) => `${b}.${q}`)),
    wrt: dynamic.flatMap((b, k) => paramsOf(b, k === 0 ? c : { ...c, friction: 0, restitution: 0 })),
    tags: {
      gravity: c.gravity,
      friction: c.friction,
      restitution: c.restitution,
      obliqueDeg: (c.oblique * 180) / Math.PI,
      spin: c.spin,
    },
  };
}

/** A body of half-thickness `reach` along n, `distance` from the plane (offset 0 through the origin), flying at it. */
function planeScenario(
  pair: Exclude<Pair, 'sphere-sphere'>,
  c: Common,
  n: V3,
  shape: (pose: Parameters<typeof sphere>[2]) => RefBodyInput,
  reach: number,
): Scenario {
  const v = approach(n, c);
  const position = scale(n, c.distance + reach);
  const body = shape({
    mass: c.mass,
    position,
    orientation: qFromRotationVector(scale(c.orientation[0], c.orientation[1])),
    linearVelocity: v,
    angularVelocity: scale(c.spinAxis, c.spin),
    friction: c.friction,
    restitution: c.restitution,
  });
  const ground = plane('ground', n, 0, { friction: c.friction, restitution: 0 });
  return finish(pair, [ground, body], c, c.distance / (c.speed * Math.cos(c.oblique)), ['body']);
}

/**
 * A plane normal: any direction, but not facing down by more than ~12° below the horizon
 * (n_z ≥ −0.2): under gravity a body thrown at a ceiling rarely reaches it.
 */
const planeNormal = unit.filter((n) => n[2] >= -0.2);

export const sphereOnPlane = fc
  .tuple(common, planeNormal, uniform(0.05, 0.2))
  .map(([c, n, r]) => planeScenario('sphere-plane', c, n, (p) => sphere('body', r, p), r));

export const capsuleOnPlane = fc
  .tuple(common, planeNormal, uniform(0.03, 0.1), uniform(0.05, 0.2))
  .map(([c, n, r, h]) => planeScenario('capsule-plane', c, n, (p) => capsule('body', r, h, p), h + r));

export const boxOnPlane = fc
  .tuple(common, planeNormal, fc.tuple(...[0, 1, 2].map(() => uniform(0.04, 0.15))))
  .map(([c, n, he]) =>
    planeScenario('box-plane', c, n, (p) => box('body', he as unknown as V3, p), norm(he as unknown as V3)),
  );

/** Sphere a flies at sphere b (moving slowly) with impact parameter (r_a + r_b)·sin(oblique). */
export const sphereOnSphere = fc
  .tuple(
    common,
    unit,
    uniform(0.05, 0.2),
    uniform(0.05, 0.2),
    uniform(0.5, 2),
    fc.tuple(uniform(-0.5, 0.5), uniform(-0.5, 0.5), uniform(-0.5, 0.5)),
  )
  .map(([c, u, ra, rb, mb, vb]) => {
    const reach = ra + rb;
    const [t1, t2] = tangentBasis(u);
    const side = add(scale(t1, Math.cos(c.tangentAngle)), scale(t2, Math.sin(c.tangentAngle)));
    const impactParameter = reach * Math.sin(c.oblique);
    const along = c.distance + reach * Math.cos(c.oblique);
    const xa: V3 = [0, 0, 1];
    const xb = add(xa, add(scale(u, along), scale(side, impactParameter)));
    const a = sphere('a', ra, {
      mass: c.mass,
      position: xa,
      linearVelocity: add(vb as V3, scale(u, c.speed)),
      angularVelocity: scale(c.spinAxis, c.spin),
      friction: c.friction,
      restitution: c.restitution,
    });
    const b = sphere('b', rb, {
      mass: mb,
      position: xb,
      linearVelocity: vb as V3,
      angularVelocity: scale(c.spinAxis, -0.5 * c.spin),
      friction: c.friction,
      restitution: 0,
    });
    return finish('sphere-sphere', [a, b], c, c.distance / c.speed, ['a', 'b']);
  });

export const ARBITRARIES: Record<Pair, fc.Arbitrary<Scenario>> = {
  'sphere-plane': sphereOnPlane,
  'capsule-plane': capsuleOnPlane,
  'box-plane': boxOnPlane,
  'sphere-sphere': sphereOnSphere,
};
