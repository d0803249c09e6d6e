/**
 * Gradient of one final-state quantity of a scene with respect to named parameters (the
 * `diffcontact grad` command): paths in, numbers and a kink report out.
 *
 * The parameters named in `wrt` become leaves of a reverse trace; the model quantities
 * they feed (inverse mass and inertia from mass and shape size, unit plane normal and
 * offset from the written ones, per-body friction from the contact default, the unit
 * initial orientation from the written quaternion) are computed from them with ad ops,
 * so their derivatives flow through; then the whole rollout runs as one primitive
 * (sim/rollout.ts). With it comes `validWithin` (sim/validity.ts): how far the
 * parameters may move before a non-smooth decision flips and the gradient stops holding.
 */
import * as ad from '../ad/index.ts';
import type { Real } from '../ad/tape.ts';
import { buildModel, initialState } from './builder.ts';
import { PathError } from './errors.ts';
import type { Model } from './model.ts';
import { parseParamPath, parseQuantityPath, pathBodies, readParam, type ParamPath } from './paths.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive, type RolloutLayout } from './rollout.ts';
import type { BodySpec, Scene } from './scene.ts';
import { validity, VALIDITY_DEFAULT_MAX_PARAMS, type Decision, type ValidWithin } from './validity.ts';

export interface GradientResult {
  value: number;
  /** d value / d parameter, by path as written */
  grad: Record<string, number>;
  /**
   * non-smooth decisions within `kinkTol` of their boundary, nearest first; with
   * `validWithin`, each also carries its `distance` in the parameters' units
   */
  kinks: { label: string; margin: number; distance?: number }[];
  /**
   * how far the parameters may move (their own units) before some decision of the rollout
   * flips, with the decision that sets it; null when none can flip (sim/validity.ts).
   * Absent when not computed (`validity: false`, or more than 8 parameters by default)
   */
  validWithin?: ValidWithin | null;
  /** the decisions nearest to flipping, ranked by that distance (with `validWithin`) */
  decisions?: Decision[];
}

export interface GradientOptions {
  /** report kinks with margin at most this (default 1e-3: a millimetre, a mm/s) */
  kinkTol?: number;
  /** checkpoint spacing in steps (default ⌈√steps⌉) */
  segment?: number;
  /**
   * compute `validWithin` (P + 1 plain rollouts for P parameters). Default: `gradient()`
   * does for up to {@link VALIDITY_DEFAULT_MAX_PARAMS} parameters, `quantityLossGradient` not
   */
  validity?: boolean;
}

/**
 * d(of)/d(wrt) at the end of the scene's rollout.
 *
 * @example
 * const r = gradient(scene, 'ball.position.z', ['ball.linearVelocity.z', 'contact.stiffness']);
 * r.grad['ball.linearVelocity.z']; // ∂z(T)/∂v_z(0)
 */
export function gradient(scene: Scene, of: string, wrt: readonly string[], opts: GradientOptions = {}): GradientResult {
  const quantity = parseQuantityPath(of, pathBodies(scene), '--of');
  if (quantity.component === null) {
    throw new PathError('--of', of, 'a gradient needs one number: name a component', ['x', 'y', 'z'].map((c) => `${of}.${c}`));
  }
  const validity = opts.validity ?? new Set(wrt).size <= VALIDITY_DEFAULT_MAX_PARAMS;
  return quantityLossGradient(scene, of, wrt, (q) => q[0], { ...opts, validity });
}

/**
 * Value and gradient of `loss(q)`, where `q` holds the final-state quantity `of` (one
 * component, or every component of a whole vector such as `ball.position`), w.r.t. the
 * parameters `wrt` — one rollout whatever the quantity's width.
 *
 * @example
 * // squared distance of the ball's final position to a target, one rollout
 * quantityLossGradient(scene, 'ball.position', ['ball.linearVelocity.x'], (q) =>
 *   ad.sum(q.map((c, k) => ad.square(ad.sub(c, target[k])))));
 */
export function quantityLossGradient(
  scene: Scene,
  of: string,
  wrt: readonly string[],
  loss: (q: Real[]) => Real,
  opts: GradientOptions = {},
): GradientResult {
  const bodies = pathBodies(scene);
  const quantity = parseQuantityPath(of, bodies, '--of');
  if (wrt.length === 0) throw new PathError('--wrt', '', 'name at least one parameter', []);
  const params = wrt.map((p) => parseParamPath(p, bodies, '--wrt'));
  const model = buildModel(scene);
  const state0 = initialState(model, scene);
  const config = { model, steps: scene.steps, segment: opts.segment };
  const L = rolloutLayout(model.nbody, scene.steps, 0);
  const base = rolloutInputs(config, state0.bodyQ, state0.bodyQd);
  const run = rolloutPrimitive(config);
  // the rollout's output is [q (7n) | qd (6n)]
  const slot = {
    position: [0, 7, 0],
    orientation: [0, 7, 3],
    linearVelocity: [7 * model.nbody, 6, 0],
    angularVelocity: [7 * model.nbody, 6, 3],
  }[quantity.field];
  const first = slot[0] + slot[1] * quantity.body + slot[2] + (quantity.component ?? 0);
  const result = ad.valueAndGrad(
    (leaves) => {
      const x: Real[] = Array.from(base);
      applyParams(x, L, scene, model, params, leaves);
      return loss(run(x).slice(first, first + quantity.width));
    },
    params.map((p) => readParam(scene, p)),
    { kinkTol: opts.kinkTol ?? 1e-3 },
  );
  const grad: Record<string, number> = {};
  wrt.forEach((p, j) => (grad[p] = (grad[p] ?? 0) + result.grad[j]));
  const out: GradientResult = { value: result.value, grad, kinks: result.kinks.map((k) => ({ label: k.label, margin: k.margin })) };
  if (opts.validity === true) {
    const v = validity(scene, wrt, { distancesOf: out.kinks.map((k) => k.label) });
    out.validWithin = v.validWithin;
    out.decisions = v.decisions;
    for (const k of out.kinks) k.distance = v.distances?.[k.label];
  }
  return out;
}

/**
 * Write the traced parameters (and the model quantities derived from them) into `x`, the
 * rollout's inputs (layout `L`); `leaves[j]` is the value of `params[j]`.
 */
export function applyParams(x: Real[], L: RolloutLayout, scene: Scene, model: Model, params: readonly ParamPath[], leaves: Real[]): void {
  const n = model.nbody;
  // per body, which written fields are traced
  const traced = new Map<string, Real>();
  params.forEach((p, j) => traced.set(p.text, leaves[j]));
  const field = (b: number, name: string): Real | undefined => traced.get(`${model.bodyName[b]}.${name}`);
  const contactDefault = (key: string): Real | undefined => traced.get(`contact.${key}`);
  if (contactDefault('stiffness') !== undefined) x[L.scalars] = contactDefault('stiffness') as Real;
  if (contactDefault('damping') !== undefined) x[L.scalars + 1] = contactDefault('damping') as Real;
  if (contactDefault('temperature') !== undefined) x[L.scalars + 2] = contactDefault('temperature') as Real;
  if (contactDefault('frictionVelocity') !== undefined) x[L.scalars + 3] = contactDefault('frictionVelocity') as Real;
  for (let b = 0; b < n; b++) {
    const spec = scene.bodies[b];
    // initial state: the written orientation is normalized at build, so differentiate that too
    for (const [name, off, width, array] of [
      ['position', 0, 3, L.q],
      ['linearVelocity', 0, 3, L.qd],
      ['angularVelocity', 3, 3, L.qd],
    ] as const) {
      for (let c = 0; c < width; c++) {
        const v = field(b, `${name}.${'xyz'[c]}`);
        if (v !== undefined) x[array + (array === L.q ? 7 : 6) * b + off + c] = v;
      }
    }
    const quat = ['w', 'x', 'y', 'z'].map((c, k) => field(b, `orientation.${c}`) ?? spec.orientation[k]);
    if (quat.some((v) => typeof v !== 'number')) {
      ad.normalize(quat).forEach((v, k) => (x[L.q + 7 * b + 3 + k] = v));
    }
    // friction: the body's own, or the contact default it inherits
    const mu = field(b, 'friction') ?? (spec.friction === undefined ? contactDefault('friction') : undefined);
    if (mu !== undefined) x[L.friction + b] = mu;
    const e = field(b, 'restitution') ?? (spec.restitution === undefined ? contactDefault('restitution') : undefined);
    if (e !== undefined) x[L.restitution + b] = e;
    applyShape(x, L, b, spec, field);
  }
}

/** Shape size, mass and inertia of body `b` when any of them is traced. */
function applyShape(x: Real[], L: RolloutLayout, b: number, spec: BodySpec, field: (b: number, name: string) => Real | undefined): void {
  const s = spec.shape;
  const g = L.geomSize + 4 * b;
  if (s.type === 'plane') {
    const normal = [0, 1, 2].map((k) => field(b, `normal.${'xyz'[k]}`) ?? s.normal[k]);
    const offset = field(b, 'offset') ?? s.offset;
    if (normal.some((v) => typeof v !== 'number') || typeof offset !== 'number') {
      // the builder stores the unit normal and offset/|n| (the same half-space)
      const length = ad.norm(normal);
      normal.forEach((v, k) => (x[g + k] = ad.div(v, length)));
      x[g + 3] = ad.div(offset, length);
    }
    return;
  }
  let size: Real[];
  if (s.type === 'sphere') size = [field(b, 'radius') ?? s.radius];
  else if (s.type === 'capsule' || s.type === 'cylinder') size = [field(b, 'radius') ?? s.radius, field(b, 'halfLength') ?? s.halfLength];
  else size = [0, 1, 2].map((k) => field(b, `halfExtents.${'xyz'[k]}`) ?? s.halfExtents[k]);
  const massLeaf = field(b, 'mass');
  const anyTraced = massLeaf !== undefined || size.some((v) => typeof v !== 'number');
  if (!anyTraced || spec.static) return;
  size.forEach((v, k) => (x[g + k] = v));
  const mass: Real = massLeaf ?? (spec.mass !== undefined ? spec.mass : ad.mul(spec.density as number, volume(s.type, size)));
  x[L.invMass + b] = ad.div(1, mass);
  principalMoments(s.type, mass, size).forEach((I, k) => (x[L.invInertia + 3 * b + k] = ad.div(1, I)));
}

/** Volume of a sphere, box or capsule from its size Reals (m³). */
function volume(type: 'sphere' | 'box' | 'capsule' | 'cylinder', size: Real[]): Real {
  const ball = (r: Real) => ad.mul((4 / 3) * Math.PI, ad.mul(r, ad.square(r)));
  if (type === 'sphere') return ball(size[0]);
  if (type === 'box') return ad.mul(8, ad.mul(size[0], ad.mul(size[1], size[2])));
  if (type === 'cylinder') return ad.mul(2 * Math.PI, ad.mul(ad.square(size[0]), size[1]));
  return ad.add(ad.mul(2 * Math.PI, ad.mul(ad.square(size[0]), size[1])), ball(size[0]));
}

/**
 * Principal moments (body frame, kg·m²) with ad ops: the formulas of sim/inertia.ts
 * (solid sphere, box from half extents, capsule as cylinder + hemispheres). `size` is the
 * shape's `geomSize` row: [r], [hx, hy, hz] or [r, halfLength].
 */
export function principalMoments(type: 'sphere' | 'box' | 'capsule' | 'cylinder', m: Real, size: Real[]): Real[] {
  if (type === 'sphere') {
    const i = ad.mul(0.4, ad.mul(m, ad.square(size[0])));
    return [i, i, i];
  }
  if (type === 'box') {
    const [x2, y2, z2] = size.map((h) => ad.square(h));
    const third = ad.div(m, 3);
    return [ad.mul(third, ad.add(y2, z2)), ad.mul(third, ad.add(x2, z2)), ad.mul(third, ad.add(x2, y2))];
  }
  const [r, h] = size;
  if (type === 'cylinder') {
    // inertia.ts cylinderInertia: Ixx = m (r²/4 + (2h)²/12), Izz = m r²/2
    const transverse = ad.mul(m, ad.add(ad.mul(0.25, ad.square(r)), ad.div(ad.square(ad.mul(2, h)), 12)));
    return [transverse, transverse, ad.mul(0.5, ad.mul(m, ad.square(r)))];
  }
  const cylinderShare = ad.div(ad.mul(2, h), ad.add(ad.mul(2, h), ad.mul(4 / 3, r)));
  const mc = ad.mul(m, cylinderShare);
  const ms = ad.sub(m, mc);
  const r2 = ad.square(r);
  const axial = ad.add(ad.mul(0.5, ad.mul(mc, r2)), ad.mul(0.4, ad.mul(ms, r2)));
  const transverse = ad.add(
    ad.mul(mc, ad.add(ad.mul(0.25, r2), ad.div(ad.mul(4, ad.square(h)), 12))),
    ad.mul(ms, ad.add(ad.add(ad.mul(0.4, r2), ad.square(h)), ad.mul(0.75, ad.mul(h, r)))),
  );
  return [transverse, transverse, axial];
}
