/**
 * What a hard step's derivatives read besides its input: the step's record (every decision
 * the plain step made, fixed) and the context fixed for a rollout. The hand-composed
 * pullback (step-adjoint.ts), the tangent (step-tangent.ts, step-tangent-placed.ts) and the
 * tests' oracle, the step on the AD trace (test/sim/hard/oracle/traced-step.ts), all read
 * these; the context keeps the name of the trace it was first made for.
 */
import type { Contacts } from '../collision/contacts.ts';
import type { GeometryInput } from '../contact/geometry.ts';
import type { RolloutLayout } from '../driver/inputs.ts';
import type { IntegratorConfig } from '../integrator/semiImplicitEuler.ts';
import type { Model } from '../model.ts';

/** What the plain step decided and found, per step: its derivatives replay it. */
export interface HardStepRecord {
  /** the contacts of the step (bodies, features; their geometry is recomputed from the input) */
  contacts: Contacts;
  /** (3c) the solver's impulses as world vectors P = λ_n n + λ_t₁ t₁ + λ_t₂ t₂, N·s */
  impulse: Float64Array;
  /** (c) 1 where Newton restitution set the bound */
  bounced: Uint8Array;
  /** (c) time-of-impact fraction s ∈ (0, 1) (0: not placed; never clipped at 1, as a bounce needs d < −u⁻·dt) */
  impactFraction: Float64Array;
  /** (6n) the pseudo-velocities the position pass used (all zero when it did not run) */
  pseudo: Float64Array;
  moved: boolean;
  /**
   * (c) 1 where the position pass's drift correction pushed (its impulse λ_p > 0, position.ts);
   * all 0 where the correction did not run. Its active set, fixed like the solve's.
   */
  positionActive: Uint8Array;
}

/** What a step's derivatives read besides its record: fixed for a rollout. */
export interface TracedStepContext {
  model: Model;
  /** rollout layout for ONE step (controls: this step's only) */
  L: RolloutLayout;
  controlBodies: readonly number[];
  /**
   * m: contacts penetrating less than this count as resting at the kink d = 0 of the
   * speculative bound (settings.ts `penetrationTolerance`: what the position pass leaves)
   */
  restingGap: number;
  /** the integrator's configuration, for the free flight's adjoint and tangents */
  integratorConfig: IntegratorConfig;
  geometryInput: GeometryInput;
  /** the bodies that are not static, in index order */
  dynamicBodies: readonly number[];
}

/** The step's context for a model (one per rollout). */
export function tracedStepContext(
  model: Model,
  L: RolloutLayout,
  controlBodies: readonly number[],
  restingGap: number,
): TracedStepContext {
  const dynamicBodies: number[] = [];
  for (let b = 0; b < model.nbody; b++) if (!model.bodyStatic[b]) dynamicBodies.push(b);
  return {
    model,
    L,
    controlBodies,
    restingGap,
    integratorConfig: { nbody: model.nbody, dt: model.dt, isStatic: model.bodyStatic },
    geometryInput: {
      nbody: model.nbody,
      geomType: model.geomType,
      geomSize: model.geomSize,
      bodyStatic: model.bodyStatic,
      bodyName: model.bodyName,
    },
    dynamicBodies,
  };
}
