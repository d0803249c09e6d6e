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
import { applyParams } from './param-inputs.ts';
import { parseComponentPath, parseParamPath, parseQuantityPath, pathBodies, readParam, stateOffset } from './paths.ts';
import { rolloutColumnsPrimitive, rolloutInputs, rolloutLayout, rolloutPrimitive } from './rollout.ts';
import type { Scene } from './scene.ts';
import {
  rankKinksByDistance,
  validity,
  validityRide,
  VALIDITY_DEFAULT_MAX_PARAMS,
  type Decision,
  type ValidWithin,
} from './validity.ts';

export interface GradientResult {
  value: number;
  /** d value / d parameter, by path as written */
  grad: Record<string, number>;
  /**
   * non-smooth decisions within `kinkTol` of their boundary, nearest first: by margin, or
   * with `validWithin` by their `distance` in the parameters' units (those no parameter
   * moves last: sim/validity.ts `rankKinksByDistance`)
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

/** Kinks reported by default: within a millimetre or a mm/s of their boundary (margin units). */
export const DEFAULT_KINK_TOL = 1e-3;

export interface GradientOptions {
  /** report kinks with margin at most this (default {@link DEFAULT_KINK_TOL}: a millimetre, a mm/s) */
  kinkTol?: number;
  /** checkpoint spacing in steps (default ⌈√steps⌉) */
  segment?: number;
  /**
   * compute `validWithin` (P directions carried by this gradient's forward pass in every
   * mode; P + 1 plain rollouts for feature-choosing pairs: sim/validity.ts). In penalty and
   * soft mode the carried directions then give the gradient itself, with no backward pass
   * through the steps (driver/tangent-columns.ts). Default: `gradient()` does for up to
   * {@link VALIDITY_DEFAULT_MAX_PARAMS} parameters, `quantityLossGradient` not
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
  parseComponentPath(of, pathBodies(scene), 'a gradient');
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
  // the validity radius rides this rollout's forward pass (sim/validity.ts)
  const ride = opts.validity === true ? validityRide(scene, wrt) : null;
  const config = { model, steps: scene.steps, segment: opts.segment, forwardTangents: ride?.forwardTangents };
  const L = rolloutLayout(model.nbody, scene.steps, 0);
  const base = rolloutInputs(config, state0.bodyQ, state0.bodyQd);
  // the rollout of the inputs x the leaves set: with the validity ride, a primitive of the parameters, whose columns the ride carries (no backward pass
  // through the steps: driver/tangent-columns.ts); else of x, pulled back step by step
  const columns = ride !== null ? rolloutColumnsPrimitive(config) : null;
  let run: (leaves: Real[], x: Real[]) => Real[];
  if (columns !== null) {
    // one direction per distinct path; a path named twice reaches x by its last leaf (applyParams)
    const leafOf = [...new Set(wrt)].map((p) => wrt.lastIndexOf(p));
    const distinct = (leaves: Real[]) => leafOf.map((j) => leaves[j]);
    run = (leaves, x) => columns(distinct(leaves), x);
  } else {
    const plain = rolloutPrimitive(config);
    run = (_leaves, x) => plain(x);
  }
  const first = stateOffset(model.nbody, quantity.body, quantity.field, quantity.component ?? 0);
  const result = ad.valueAndGrad(
    (leaves) => {
      const x: Real[] = Array.from(base);
      applyParams(x, L, scene, model, params, leaves);
      return loss(run(leaves, x).slice(first, first + quantity.width));
    },
    params.map((p) => readParam(scene, p)),
    { kinkTol: opts.kinkTol ?? DEFAULT_KINK_TOL },
  );
  const grad: Record<string, number> = {};
  wrt.forEach((p, j) => (grad[p] = (grad[p] ?? 0) + result.grad[j]));
  const out: GradientResult = {
    value: result.value,
    grad,
    kinks: result.kinks.map((k) => ({ label: k.label, margin: k.margin })),
  };
  if (opts.validity === true) {
    const distancesOf = out.kinks.map((k) => k.label);
    const v = ride !== null ? ride.finish(distancesOf) : validity(scene, wrt, { distancesOf });
    out.validWithin = v.validWithin;
    out.decisions = v.decisions;
    rankKinksByDistance(out.kinks, v.distances);
  }
  return out;
}
