// The position pass's drift correction on steps WITHOUT a placed impact (issue 13): it runs
// there on penetration beyond the tolerance (initial overlap, rotation over the step, an
// unconverged solve) and pushes the gaps of its active contacts to exactly 0 (position.ts:
// 0 ≤ λ_p ⊥ u_n(v_p) + g/dt ≥ 0, g = d + dt·u_n(v⁺)). It was a constant of the gradient
// there; now differentiated with its active set fixed (position-adjoint.ts
// `UnplacedDriftCorrection`, hooks in step-adjoint.ts and step-tangent.ts, the trace on
// every moved step). Truth from the pass's law, not from the simulator:
//
// - a ball at rest with no gravity, started δ = 5 µm into the ground: the pass lifts it to
//   z = r and nothing moves it after, so z(T) = r for every z₀ ∈ (r − …, r − tol):
//   d z(T)/d z₀ = 0 (held constant, the gradient said 1);
// - two free balls (m_a = 1, m_b = 3) overlapping by δ along x, at rest, no gravity: the
//   pass's equal and opposite pseudo-impulses keep the centre of mass and open the gap to 0,
//   x_a(T) = x̄ − (m_b/M)·2r, x̄ = (m_a x_a0 + m_b x_b0)/M: d x_a/d x_a0 = m_a/M = 0.25,
//   d x_a/d x_b0 = m_b/M = 0.75, d x_a/d m_b = −δ·m_a/M² (at x_a0 = 0); held constant: 1, 0, 0;
// - a flat box δ into the ground (four redundant corner rows, position.ts `independentRows`):
//   lifted to the surface, d z(T)/d z₀ = 0 (held constant: 1).
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../ad/random.ts';
import { gradient } from '../../../sim/gradient.ts';
import { DEFAULT_PENETRATION_TOLERANCE } from '../../../sim/hard/settings.ts';
import { hardStepAdjoint, placesImpact } from '../../../sim/hard/step-adjoint.ts';
import { hardStepTangent } from '../../../sim/hard/step-tangent.ts';
import { recordStep } from '../../../sim/hard/stepper.ts';
import { parseScene, type SceneInput } from '../../../sim/scene.ts';
import { sceneFunction } from '../../../sim/scene-function.ts';
import { step } from '../../../sim/step.ts';
import { validity } from '../../../sim/validity.ts';
import { centralDerivative } from '../../helpers.ts';
import { expectGradientsMatchDifferences, ground, hardStepSetup, transposeMismatch, stepInputs } from './fixtures.ts';
import { tracedPullback } from './oracle/traced-step.ts';

const r = 0.1,
  dt = 1e-3,
  /** m: the start overlap, beyond the pass's tolerance (1 µm) */
  delta = 5e-6;

const sphere = (name: string, mass: number, position: [number, number, number]) => ({
  name,
  shape: { type: 'sphere' as const, radius: r },
  mass,
  position,
});

const BALL_IN_GROUND: SceneInput = {
  dt,
  steps: 5,
  gravity: [0, 0, 0],
  contact: { mode: 'hard', friction: 0.5, restitution: 0 },
  bodies: [ground, sphere('ball', 1, [0, 0, r - delta])],
};

const MA = 1,
  MB = 3;
const OVERLAPPING_BALLS: SceneInput = {
  dt,
  steps: 5,
  gravity: [0, 0, 0],
  contact: { mode: 'hard', friction: 0, restitution: 0 },
  bodies: [sphere('a', MA, [0, 0, 0]), sphere('b', MB, [2 * r - delta, 0, 0])],
};

const FLAT_BOX_IN_GROUND: SceneInput = {
  dt,
  steps: 5,
  gravity: [0, 0, 0],
  contact: { mode: 'hard', friction: 0.5, restitution: 0 },
  bodies: [
    ground,
    { name: 'box', shape: { type: 'box', halfExtents: [0.2, 0.15, 0.1] }, mass: 1.5, position: [0, 0, 0.1 - delta] },
  ],
};

/** A box tilted about y with its low edge 20 µm in the ground, sliding and falling: the pass rotates it out. */
const tilt = 0.1;
const TILTED_BOX_IN_GROUND: SceneInput = {
  dt,
  steps: 8,
  contact: { mode: 'hard', friction: 0.4, restitution: 0 },
  bodies: [
    ground,
    {
      name: 'box',
      shape: { type: 'box', halfExtents: [0.2, 0.15, 0.1] },
      mass: 1.5,
      position: [0, 0, 0.2 * Math.sin(tilt) + 0.1 * Math.cos(tilt) - 2e-5],
      orientation: [Math.cos(tilt / 2), 0, Math.sin(tilt / 2), 0],
      linearVelocity: [0.5, 0.1, 0],
    },
  ],
};

describe('the drift correction on a step without a placed impact: the closed forms of the pass', () => {
  it('a ball started δ = 5 µm in the ground (no gravity): d z(T)/d z₀ = 0, where the constant correction gave 1', () => {
    const scene = parseScene(BALL_IN_GROUND);
    const g = gradient(scene, 'ball.position.z', ['ball.position.z', 'ball.position.x']);
    expect(g.value).toBe(r); // held at the surface
    expect(Math.abs(g.grad['ball.position.z'])).toBeLessThan(1e-14);
    expect(g.grad['ball.position.x']).toBe(0);
    const f = sceneFunction(scene, 'ball.position.z', ['ball.position.z']);
    expect(Math.abs(centralDerivative((x) => f.value(x), f.x0, 0, 1e-7))).toBeLessThan(1e-9);
  });

  it('two balls (1 : 3) overlapping by δ: d x_a/d x_a0 = m_a/M, d x_a/d x_b0 = m_b/M, d x_a/d m_b = −δ·m_a/M² (constant correction: 1, 0, 0)', () => {
    const scene = parseScene(OVERLAPPING_BALLS);
    const M = MA + MB;
    const wrt = ['a.position.x', 'b.position.x', 'b.mass'];
    const closed: Record<string, Record<string, number>> = {
      'a.position.x': { 'a.position.x': MA / M, 'b.position.x': MB / M, 'b.mass': (-delta * MA) / (M * M) },
      'b.position.x': { 'a.position.x': MA / M, 'b.position.x': MB / M, 'b.mass': (-delta * MA) / (M * M) },
    };
    for (const of of ['a.position.x', 'b.position.x']) {
      const g = gradient(scene, of, wrt);
      const f = sceneFunction(scene, of, wrt);
      wrt.forEach((p, i) => {
        expect(Math.abs(g.grad[p] - closed[of][p]), `d ${of} / d ${p}: AD ${g.grad[p]}`).toBeLessThan(
          1e-12 * Math.max(1, Math.abs(closed[of][p])),
        );
        const cd = centralDerivative((x) => f.value(x), f.x0, i, 1e-7);
        expect(Math.abs(cd - closed[of][p]), `d ${of} / d ${p}: CD ${cd}`).toBeLessThan(1e-8);
      });
    }
  });

  it('a flat box δ in the ground (four redundant corner rows): d z(T)/d z₀ = 0 (constant correction: 1)', () => {
    const scene = parseScene(FLAT_BOX_IN_GROUND);
    const g = gradient(scene, 'box.position.z', ['box.position.z', 'box.position.x']);
    expect(Math.abs(g.grad['box.position.z'])).toBeLessThan(1e-12);
    expect(Math.abs(g.grad['box.position.x'])).toBeLessThan(1e-12);
    // differences see the pass's PGS converged to its tolerance (1e-6 m/s · dt per h = 1e-7): ≈ 6e-6
    const f = sceneFunction(scene, 'box.position.z', ['box.position.z']);
    expect(Math.abs(centralDerivative((x) => f.value(x), f.x0, 0, 1e-7))).toBeLessThan(1e-4);
  });

  it('a tilted box sliding with its low edge 20 µm in the ground: the rollout gradient = central differences', () => {
    expectGradientsMatchDifferences(
      parseScene(TILTED_BOX_IN_GROUND),
      ['box.position.z', 'box.position.x', 'box.orientation.y'],
      ['box.position.z', 'box.position.x', 'box.linearVelocity.x', 'box.orientation.y'],
      1e-7,
      1e-5,
    );
  });
});

describe('the drift correction on a step without a placed impact: hand adjoint = trace, tangent = transpose', () => {
  for (const [name, scene] of [
    ['a ball in the ground', BALL_IN_GROUND],
    ['two overlapping balls', OVERLAPPING_BALLS],
    ['a flat box in the ground (redundant rows)', FLAT_BOX_IN_GROUND],
    ['a tilted sliding box in the ground', TILTED_BOX_IN_GROUND],
  ] as const)
    it(`${name}: on every step the pass moved`, () => {
      const { model, state, data, n, controlBodies, L1, hard, ctx } = hardStepSetup(scene);
      const rng = seededRng(7);
      const DIRS = 2;
      const xdot = new Float64Array(DIRS * L1.size);
      const ydot = new Float64Array(DIRS * 13 * n);
      let drifted = 0,
        worstAdjoint = 0,
        worstTangent = 0;
      for (let t = 0; t < (scene.steps as number); t++) {
        const xs = stepInputs(model, controlBodies, L1, state);
        step(model, data, state, null, state);
        const rec = recordStep(hard, undefined);
        if (placesImpact(rec) || !rec.positionActive.some((on) => on !== 0)) continue;
        drifted++;
        const ybar = Float64Array.from({ length: 13 * n }, () => rng.uniform() - 0.5);
        const hand = hardStepAdjoint(ctx, rec, xs, ybar);
        const traced = tracedPullback(ctx, rec, xs, ybar);
        for (let i = 0; i < hand.length; i++)
          worstAdjoint = Math.max(worstAdjoint, Math.abs(hand[i] - traced[i]) / (1 + Math.abs(traced[i])));
        for (let i = 0; i < xdot.length; i++) xdot[i] = rng.uniform() - 0.5;
        hardStepTangent(ctx, rec, xs, DIRS, xdot, ydot);
        worstTangent = Math.max(worstTangent, transposeMismatch(ybar, ydot, hand, xdot, DIRS));
      }
      expect(drifted).toBeGreaterThanOrEqual(1);
      expect(worstAdjoint).toBeLessThan(1e-10);
      expect(worstTangent).toBeLessThan(1e-12);
    });
});

describe("the decision 'position pass' on a step without a placed impact", () => {
  it('a ball δ in the ground: margin δ − tol, flip at z₀ = r − tol (where the pass stops running), by tangents and by differences', () => {
    const scene = parseScene(BALL_IN_GROUND);
    for (const method of ['tangents', 'differences'] as const) {
      const d = validity(scene, ['ball.position.z'], { method }).decisions.find(
        (k) => k.label === 'step 0: ground/ball position pass',
      );
      expect(d, method).toBeDefined();
      const tol = DEFAULT_PENETRATION_TOLERANCE;
      expect(Math.abs(d!.margin - (delta - tol))).toBeLessThan(1e-15);
      expect(Math.abs(d!.byParameter['ball.position.z'] - (delta - tol))).toBeLessThan(1e-12);
      expect(Math.abs(d!.flipAt['ball.position.z'] - (r - tol))).toBeLessThan(1e-12);
    }
  });
});
