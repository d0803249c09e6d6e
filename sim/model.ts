/**
 * The Model: everything constant over a rollout (bodies' mass and inertia, shapes,
 * materials, contact settings, dt, gravity), as struct-of-arrays typed arrays indexed by
 * body. One shape per body, so body i's geometry is `geomType[i]`, `geomSize[4i..4i+3]`.
 *
 * A Model comes from `buildModel(scene)` (sim/builder.ts) and is frozen there. The object
 * and its plain fields are frozen; typed arrays cannot be frozen in JavaScript, so their
 * contents are read-only by contract: nothing may write them after the build (a changed
 * parameter means a new Model, built from a changed Scene).
 */
import type { SanitySettings } from './sanity.ts';

/** The contact modes of the toggle (docs/scene-format.md "Contact modes"): `hard` impulses, `penalty` springs, `soft` smoothed contact. */
export const CONTACT_MODES = ['hard', 'penalty', 'soft'] as const;

/** One of {@link CONTACT_MODES}. */
export type ContactMode = (typeof CONTACT_MODES)[number];

/**
 * Floor of the default contact margin, metres: 1 cm lets penalty and hard (speculative)
 * contacts be generated before touch for speeds up to ~10 m/s at dt = 1 ms.
 */
export const MIN_CONTACT_MARGIN = 0.01;

/**
 * Temperatures covered by the default margin. The soft normal force beyond touch decays as
 * τ·softplus(−d/τ) ≈ τ·e^(−d/τ); at d = 20τ that is e^(−20) ≈ 2·10⁻⁹ of its size at touch,
 * so dropping contacts beyond the margin changes the force by far less than finite
 * differences can resolve.
 */
export const MARGIN_TEMPERATURES = 20;

/**
 * The contact margin used when the scene gives none: max(1 cm, 20 τ), in metres.
 * Derived at build time, so overriding the temperature (e.g. `--temperature`) moves it too.
 *
 * @example
 * defaultContactMargin(0.001); // 0.02
 */
export function defaultContactMargin(temperature: number): number {
  return Math.max(MIN_CONTACT_MARGIN, MARGIN_TEMPERATURES * temperature);
}

/** Contact settings of a model, with every default resolved. */
export interface ContactModel {
  readonly mode: ContactMode;
  /** normal stiffness, N/m (penalty spring; scale of the soft force) */
  readonly stiffness: number;
  /**
   * normal dashpot override b, N·s/m, per contact of the force modes (f = k·φ + b·φ̇);
   * undefined (the default): each contact derives b = 2ζ(e)·√(k·m) from the pair's
   * restitution e and effective mass m, so the force modes rebound like hard mode
   */
  readonly damping: number | undefined;
  /** soft-contact temperature τ, metres of signed distance (τ → 0 recovers penalty) */
  readonly temperature: number;
  /** default Coulomb friction coefficient (dimensionless) of bodies that give none */
  readonly friction: number;
  /** default Newton restitution coefficient in [0, 1] of bodies that give none */
  readonly restitution: number;
  /** contact generation distance, metres: pairs closer than this get contacts */
  readonly margin: number;
  /** hard mode: correct gradients for the time of impact (false: plain derivative of the executed trace) */
  readonly timeOfImpact: boolean;
  /** ε, m/s: penalty and soft friction grow from 0 to Coulomb's μ·f_n over slip speeds of about ε (sim/contact/friction.ts); unused by hard contacts */
  readonly frictionVelocity: number;
}

/** Everything constant over a rollout. Frozen; typed arrays are read-only by contract (see the file header). */
export interface Model {
  /** number of bodies */
  readonly nbody: number;
  /** body names, in scene order */
  readonly bodyName: readonly string[];
  /** body index by name */
  readonly bodyIndex: ReadonlyMap<string, number>;
  /** (nbody) 1 for static bodies (every plane is static), else 0 */
  readonly bodyStatic: Uint8Array;
  /** (nbody) mass, kg; 0 for static bodies */
  readonly bodyMass: Float64Array;
  /** (nbody) 1 / mass, 1/kg; 0 for static bodies */
  readonly bodyInvMass: Float64Array;
  /** (nbody×3) principal moments of inertia about the centre of mass, body frame, kg·m²; 0 for static bodies */
  readonly bodyInertia: Float64Array;
  /** (nbody×3) reciprocals of `bodyInertia`, 1/(kg·m²); 0 for static bodies */
  readonly bodyInvInertia: Float64Array;
  /** (nbody) shape type code, one of `ShapeType` (sim/shapes.ts) */
  readonly geomType: Uint8Array;
  /**
   * (nbody×4) shape sizes, metres: each shape's size fields in its row's order, then zeros
   * (sim/shapes/<shape>.ts): sphere `[r, 0, 0, 0]`; box `[hx, hy, hz, 0]` (half extents);
   * capsule and cylinder `[r, halfLength, 0, 0]` (axis = body z); plane `[nx, ny, nz,
   * offset]`, unit normal, solid half-space n·p ≤ offset in world coordinates (a plane
   * ignores its body pose).
   */
  readonly geomSize: Float64Array;
  /** (nbody) Coulomb friction coefficient; a pair uses the geometric mean */
  readonly bodyFriction: Float64Array;
  /** (nbody) restitution coefficient; a pair uses the larger */
  readonly bodyRestitution: Float64Array;
  /** contact settings */
  readonly contact: ContactModel;
  /** time step, s */
  readonly dt: number;
  /** number of steps of a rollout */
  readonly steps: number;
  /** (3) gravitational acceleration, world frame, m/s² */
  readonly gravity: Float64Array;
  /** thresholds of the divergence monitor (sim/sanity.ts); absent: its defaults */
  readonly sanity?: SanitySettings;
}

/**
 * The frozen ContactModel with `c`'s values, its properties always in this order. Every
 * ContactModel is made here (sim/builder.ts, and the rollouts' models of their inputs,
 * driver/inputs.ts `modelWithInputs`), so that they all share one hidden class: the steps
 * that read them (collide, the force kernels, the hard step) then see one object shape, not
 * one per maker, and their property loads stay monomorphic.
 */
export function freezeContactModel(c: ContactModel): ContactModel {
  return Object.freeze({
    mode: c.mode,
    stiffness: c.stiffness,
    damping: c.damping,
    temperature: c.temperature,
    friction: c.friction,
    restitution: c.restitution,
    margin: c.margin,
    timeOfImpact: c.timeOfImpact,
    frictionVelocity: c.frictionVelocity,
  });
}

/**
 * The frozen Model with `m`'s values, its properties always in this order (every one
 * present, `sanity` too): the one maker of Models, for one hidden class (see
 * {@link freezeContactModel}). `m.contact` is taken as it is: make it with
 * {@link freezeContactModel}.
 */
export function freezeModel(m: Model): Model {
  return Object.freeze({
    nbody: m.nbody,
    bodyName: m.bodyName,
    bodyIndex: m.bodyIndex,
    bodyStatic: m.bodyStatic,
    bodyMass: m.bodyMass,
    bodyInvMass: m.bodyInvMass,
    bodyInertia: m.bodyInertia,
    bodyInvInertia: m.bodyInvInertia,
    geomType: m.geomType,
    geomSize: m.geomSize,
    bodyFriction: m.bodyFriction,
    bodyRestitution: m.bodyRestitution,
    contact: m.contact,
    dt: m.dt,
    steps: m.steps,
    gravity: m.gravity,
    sanity: m.sanity,
  });
}
