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
import { INPUT_FIELDS, rolloutLayout, WRENCH_PER_BODY, type InputName } from '../../../../sim/driver/inputs.ts';
import type { Model } from '../../../../sim/model.ts';
import { vjp } from '../../../../ad/transforms.ts';
import { tracedStepContext, type HardStepRecord, type TracedStepContext } from '../../../../sim/hard/record.ts';
import { hardStepTraced, tracedPullback } from './traced-step.ts';

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

/** A record's step on the model of its contacts' bodies alone: the sub-context, record and inputs. */
interface CompactStep {
  /** the record's bodies, in index order (local j is body bodies[j]) */
  bodies: number[];
  /** the controlled local bodies, and their slots among the step's controls */
  controls: number[];
  controlSlots: number[];
  subCtx: TracedStepContext;
  subRec: HardStepRecord;
  /** the sub-step's inputs (layout Ls) */
  xs: Float64Array;
  Ls: ReturnType<typeof rolloutLayout>;
}

/** Gather `rec`'s step onto the model of its bodies (`x` in `ctx`'s one-step layout). */
function compactStep(ctx: TracedStepContext, rec: HardStepRecord, x: Float64Array): CompactStep {
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
  return { bodies, controls, controlSlots, subCtx, subRec, xs, Ls };
}

/**
 * The tangents of the outputs of `rec`'s dynamic bodies (`ydot`, dirs × 13n, written at
 * those bodies' entries only) along `dirs` input tangents (`xdot`, dirs × ctx.L.size): the
 * rows of the compact step's Jacobian for those outputs from ONE recording of its trace
 * (one reverse sweep per row), applied to every direction. For the rare steps that place
 * an impact: the tests' reference for step-tangent-placed.ts.
 *
 * @example
 * setCompactTracedTangents(ctx, split.placed, x, 2, xdot, ydot);
 */
export function setCompactTracedTangents(
  ctx: TracedStepContext,
  rec: HardStepRecord,
  x: Float64Array,
  dirs: number,
  xdot: Float64Array,
  ydot: Float64Array,
): void {
  const { model, L } = ctx;
  const n = model.nbody;
  const { bodies, controls, controlSlots, subCtx, subRec, xs, Ls } = compactStep(ctx, rec, x);
  const m = bodies.length;
  // each direction's tangent, gathered into the sub-step's layout
  const xsdot = new Float64Array(dirs * Ls.size);
  for (let j = 0; j < dirs; j++) {
    const o = j * L.size,
      os = j * Ls.size;
    for (const f of INPUT_FIELDS) {
      const name: InputName = f.name;
      if (f.perBody === null) {
        for (let e = 0; e < f.fixed; e++) xsdot[os + Ls[name] + e] = xdot[o + L[name] + e];
        continue;
      }
      const w = f.perBody;
      for (let b = 0; b < m; b++)
        for (let e = 0; e < w; e++) xsdot[os + Ls[name] + w * b + e] = xdot[o + L[name] + w * bodies[b] + e];
    }
    for (let i = 0; i < controls.length; i++)
      for (let e = 0; e < WRENCH_PER_BODY; e++)
        xsdot[os + Ls.controls + WRENCH_PER_BODY * i + e] =
          xdot[o + L.controls + WRENCH_PER_BODY * controlSlots[i] + e];
  }
  const lin = vjp((v) => hardStepTraced(subCtx, subRec, v), Array.from(xs), { kinkTol: 0 });
  const ys = new Array<number>((POSE + VELOCITY) * m).fill(0);
  const ss = (POSE + VELOCITY) * n;
  for (let b = 0; b < m; b++) {
    if (model.bodyStatic[bodies[b]]) continue;
    for (let i = 0; i < POSE + VELOCITY; i++) {
      const local = i < POSE ? POSE * b + i : POSE * m + VELOCITY * b + i - POSE;
      const global = i < POSE ? POSE * bodies[b] + i : POSE * n + VELOCITY * bodies[b] + i - POSE;
      ys[local] = 1;
      const row = lin.vjp(ys);
      ys[local] = 0;
      for (let j = 0; j < dirs; j++) {
        let v = 0;
        for (let k = 0; k < Ls.size; k++) v += row[k] * xsdot[j * Ls.size + k];
        ydot[j * ss + global] = v;
      }
    }
  }
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
  const { bodies, controls, controlSlots, subCtx, subRec, xs, Ls } = compactStep(ctx, rec, x);
  const m = bodies.length;
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
