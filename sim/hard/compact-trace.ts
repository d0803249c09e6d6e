/**
 * The trace of a few contacts on their own bodies: a step record whose contacts touch m of
 * the model's n bodies is pulled back through the trace of a step of just those m bodies
 * (a model of them, the one-step inputs gathered, x̄ scattered back). The trace's cost is
 * in its n-wide pieces (the integrator, world inertia and pose primitives, the inputs'
 * leaves), so a placed impact of two billiard balls traces 3 bodies instead of 17.
 *
 * Exact: every piece of the step acts per body or per contact, so the m bodies' outputs
 * are those of the whole step, and the other bodies (free flight, not touched) are left
 * to the caller; their cotangents must be zero in `ybar` (placed-split.ts makes them so).
 */
import { INPUT_FIELDS, rolloutLayout, WRENCH_PER_BODY, type InputName } from '../driver/inputs.ts';
import type { Model } from '../model.ts';
import { tracedPullback, tracedStepContext, type HardStepRecord, type TracedStepContext } from './traced-step.ts';

/** Floats per body of a state cotangent: pose (7) then velocity (6) blocks. */
const POSE = 7;
const VELOCITY = 6;

/** The model of `bodies` (in this order): every per-body array picked, everything else shared. */
function modelOfBodies(model: Model, bodies: readonly number[]): Model {
  function pick<A extends Float64Array | Uint8Array>(a: A, width: number): A {
    const out = (
      a instanceof Uint8Array ? new Uint8Array(width * bodies.length) : new Float64Array(width * bodies.length)
    ) as A;
    for (let j = 0; j < bodies.length; j++)
      for (let e = 0; e < width; e++) out[width * j + e] = a[width * bodies[j] + e];
    return out;
  }
  const bodyName = bodies.map((b) => model.bodyName[b]);
  return {
    ...model,
    nbody: bodies.length,
    bodyName,
    bodyIndex: new Map(bodyName.map((name, j) => [name, j])),
    bodyStatic: pick(model.bodyStatic, 1),
    bodyMass: pick(model.bodyMass, 1),
    bodyInvMass: pick(model.bodyInvMass, 1),
    bodyInertia: pick(model.bodyInertia, 3),
    bodyInvInertia: pick(model.bodyInvInertia, 3),
    geomType: pick(model.geomType, 1),
    geomSize: pick(model.geomSize, 4),
    bodyFriction: pick(model.bodyFriction, 1),
    bodyRestitution: pick(model.bodyRestitution, 1),
  };
}

/**
 * x̄ += (∂step/∂x)ᵀȳ through the trace of `rec`'s bodies alone (`x`, `xbar` in `ctx`'s
 * one-step layout; `ybar` zero outside the bodies of `rec`'s contacts).
 *
 * @example
 * addCompactTracedPullback(ctx, split.placed, x, ybarPlaced, xbar);
 */
export function addCompactTracedPullback(
  ctx: TracedStepContext,
  rec: HardStepRecord,
  x: Float64Array,
  ybar: Float64Array,
  xbar: Float64Array,
): void {
  const { model, L } = ctx;
  const n = model.nbody;
  // the bodies of the contacts, in index order, and where each one goes
  const local = new Int32Array(n).fill(-1);
  const c = rec.contacts.count;
  for (let k = 0; k < c; k++) {
    local[rec.contacts.bodyA[k]] = 0;
    local[rec.contacts.bodyB[k]] = 0;
  }
  const bodies: number[] = [];
  for (let b = 0; b < n; b++) if (local[b] === 0) local[b] = bodies.push(b) - 1;
  const m = bodies.length;
  const controls: number[] = [];
  const controlSlots: number[] = [];
  ctx.controlBodies.forEach((b, j) => {
    if (local[b] >= 0) {
      controls.push(local[b]);
      controlSlots.push(j);
    }
  });
  const sub = modelOfBodies(model, bodies);
  const Ls = rolloutLayout(m, 1, controls.length);
  const subCtx = tracedStepContext(sub, Ls, controls, ctx.restingGap);

  // the inputs: per-body groups picked, fixed ones copied; this step's controls
  const xs = new Float64Array(Ls.size);
  for (const f of INPUT_FIELDS) {
    const name: InputName = f.name;
    if (f.perBody === null) {
      for (let e = 0; e < f.fixed; e++) xs[Ls[name] + e] = x[L[name] + e];
      continue;
    }
    const w = f.perBody;
    for (let j = 0; j < m; j++) for (let e = 0; e < w; e++) xs[Ls[name] + w * j + e] = x[L[name] + w * bodies[j] + e];
  }
  for (let i = 0; i < controls.length; i++) {
    for (let e = 0; e < WRENCH_PER_BODY; e++)
      xs[Ls.controls + WRENCH_PER_BODY * i + e] = x[L.controls + WRENCH_PER_BODY * controlSlots[i] + e];
  }
  // the record on the local bodies
  const contacts = {
    ...rec.contacts,
    capacity: c,
    bodyA: rec.contacts.bodyA.map((b) => local[b]).subarray(0, c),
    bodyB: rec.contacts.bodyB.map((b) => local[b]).subarray(0, c),
  };
  const pseudo = new Float64Array(VELOCITY * m);
  if (rec.moved) {
    for (let j = 0; j < m; j++)
      for (let e = 0; e < VELOCITY; e++) pseudo[VELOCITY * j + e] = rec.pseudo[VELOCITY * bodies[j] + e];
  }
  const subRec: HardStepRecord = { ...rec, contacts, pseudo };
  // ȳ of the local bodies: [q̄ (7m) | q̇̄ (6m)]
  const ys = new Float64Array((POSE + VELOCITY) * m);
  for (let j = 0; j < m; j++) {
    const b = bodies[j];
    for (let e = 0; e < POSE; e++) ys[POSE * j + e] = ybar[POSE * b + e];
    for (let e = 0; e < VELOCITY; e++) ys[POSE * m + VELOCITY * j + e] = ybar[POSE * n + VELOCITY * b + e];
  }

  const xsbar = tracedPullback(subCtx, subRec, xs, ys);

  // x̄ back in the whole step's layout
  for (const f of INPUT_FIELDS) {
    const name: InputName = f.name;
    if (f.perBody === null) {
      for (let e = 0; e < f.fixed; e++) xbar[L[name] + e] += xsbar[Ls[name] + e];
      continue;
    }
    const w = f.perBody;
    for (let j = 0; j < m; j++)
      for (let e = 0; e < w; e++) xbar[L[name] + w * bodies[j] + e] += xsbar[Ls[name] + w * j + e];
  }
  for (let i = 0; i < controls.length; i++) {
    for (let e = 0; e < WRENCH_PER_BODY; e++)
      xbar[L.controls + WRENCH_PER_BODY * controlSlots[i] + e] += xsbar[Ls.controls + WRENCH_PER_BODY * i + e];
  }
}
