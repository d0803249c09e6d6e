/**
 * Ballistic flight of a dynamic body between events: the centre of mass in closed form
 * under constant gravity, x(t) = x₀ + v₀ τ + ½ g τ², v(t) = v₀ + g τ (τ = t − t₀), and the
 * torque-free rotation of rotation.ts.
 */
import { torqueFreeRotation, type Rotation } from './rotation.ts';
import type { RefState } from './scene.ts';
import { add, addScaled, scale, type V3 } from './vec.ts';

export class Flight {
  private readonly rotation: Rotation;

  constructor(
    /** the state at `start` */
    readonly initial: RefState,
    /** absolute time of `initial`, s */
    readonly start: number,
    readonly gravity: V3,
    inertia: V3,
  ) {
    this.rotation = torqueFreeRotation(initial.q, initial.w, inertia);
  }

  /** The state at absolute time t ≥ start. */
  at(t: number): RefState {
    const tau = t - this.start;
    const { q, w } = this.rotation.at(tau);
    return {
      x: add(addScaled(this.initial.x, this.initial.v, tau), scale(this.gravity, 0.5 * tau * tau)),
      v: addScaled(this.initial.v, this.gravity, tau),
      q,
      w,
    };
  }
}
