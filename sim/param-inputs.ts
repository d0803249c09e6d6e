/**
 * The parameters named by paths, written into the rollout's flat inputs (layout
 * driver/inputs.ts) as Reals: the one-to-one paths through `writeDirectParams`, and the
 * model quantities derived from written ones (inverse mass and inertia from mass and
 * shape size (sim/shapes/ rows), unit plane normal and offset, the unit initial orientation) through ad ops,
 * so their derivatives flow. Shared by the gradient (reverse mode) and the validity
 * radius (forward mode: the inputs' tangents along each parameter).
 */
import * as ad from '../ad/index.ts';
import type { Real } from '../ad/tape.ts';
import type { Model } from './model.ts';
import type { ParamPath } from './paths.ts';
import { writeDirectParams, type RolloutLayout } from './driver/inputs.ts';
import type { BodySpec, Scene } from './scene.ts';
import { GEOM_SIZE_WIDTH, shapeRow, sizeVector } from './shapes.ts';

/**
 * Write the traced parameters (and the model quantities derived from them) into `x`, the
 * rollout's inputs (layout `L`); `leaves[j]` is the value of `params[j]`.
 */
export function applyParams(
  x: Real[],
  L: RolloutLayout,
  scene: Scene,
  model: Model,
  params: readonly ParamPath[],
  leaves: Real[],
): void {
  const n = model.nbody;
  // per body, which written fields are traced
  const traced = new Map<string, Real>();
  params.forEach((p, j) => traced.set(p.text, leaves[j]));
  const field = (b: number, name: string): Real | undefined => traced.get(`${model.bodyName[b]}.${name}`);
  // the paths that set an input one-to-one (position, velocities, contact scalars, friction, restitution)
  writeDirectParams(
    x,
    L,
    model.bodyName,
    (path) => traced.get(path),
    (b, key) => scene.bodies[b][key] !== undefined,
  );
  for (let b = 0; b < n; b++) {
    const spec = scene.bodies[b];
    // the written orientation is normalized at build, so differentiate that too
    const quat = ['w', 'x', 'y', 'z'].map((c, k) => field(b, `orientation.${c}`) ?? spec.orientation[k]);
    if (quat.some((v) => typeof v !== 'number')) {
      ad.normalize(quat).forEach((v, k) => (x[L.q + 7 * b + 3 + k] = v));
    }
    applyShape(x, L, b, spec, field);
  }
}

/** Shape size, mass and inertia of body `b` when any of them is traced. */
function applyShape(
  x: Real[],
  L: RolloutLayout,
  b: number,
  spec: BodySpec,
  field: (b: number, name: string) => Real | undefined,
): void {
  const s = spec.shape;
  const g = L.geomSize + GEOM_SIZE_WIDTH * b;
  const row = shapeRow(s.type);
  const size = sizeVector(s, (name, k) => field(b, k === null ? name : `${name}.${'xyz'[k]}`));
  const sizeTraced = size.some((v) => typeof v !== 'number');
  if (row.solid === null) {
    // the plane: its stored size (unit normal, scaled offset) when its normal or offset is traced
    if (sizeTraced) (row.storeSizeTraced?.(size) ?? size).forEach((v, k) => (x[g + k] = v));
    return;
  }
  const massLeaf = field(b, 'mass');
  const anyTraced = massLeaf !== undefined || sizeTraced;
  if (!anyTraced || spec.static) return;
  (row.storeSizeTraced?.(size) ?? size).forEach((v, k) => (x[g + k] = v));
  const mass: Real =
    massLeaf ?? (spec.mass !== undefined ? spec.mass : ad.mul(spec.density as number, row.solid.volume(size)));
  x[L.invMass + b] = ad.div(1, mass);
  row.solid.moments(mass, size).forEach((I, k) => (x[L.invInertia + 3 * b + k] = ad.div(1, I)));
}

/**
 * The tangents of the rollout inputs `x` (layout `L`) along each parameter, ∂x/∂θ_j, with
 * the parameters written as {@link applyParams} writes them (forward mode): P blocks of
 * L.size, direction-major, as a tangent rollout takes them (driver/tangent-rollout.ts).
 */
export function inputTangents(
  x: Float64Array,
  L: RolloutLayout,
  scene: Scene,
  model: Model,
  params: readonly ParamPath[],
  theta: readonly number[],
): Float64Array {
  const P = params.length;
  const jac = ad.jacfwd((leaves) => {
    const xs: Real[] = Array.from(x);
    applyParams(xs, L, scene, model, params, leaves);
    return xs;
  }, theta);
  const xdots = new Float64Array(P * L.size);
  for (let k = 0; k < L.size; k++) for (let j = 0; j < P; j++) xdots[j * L.size + k] = jac[k][j];
  return xdots;
}
