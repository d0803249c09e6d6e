/**
 * Learning-rate schedules: step index (0, 1, 2, …) -> learning rate.
 *
 * On a non-smooth objective a constant-rate first-order method stalls in a band around the
 * minimizer whose width scales with the rate (the subgradient does not shrink near a
 * kink); a rate that decays to zero lets it settle.
 */

/** A learning rate as a function of the update index, starting at 0. */
export type Schedule = (step: number) => number;

function checkRate(value: number, what: string): void {
  if (!(value >= 0) || value === Infinity) throw new RangeError(`${what} must be a finite number ≥ 0, got ${value}`);
}

/** Resolves a learning-rate option: a number is a constant schedule. */
export function toSchedule(lr: number | Schedule): Schedule {
  if (typeof lr === 'function') return lr;
  checkRate(lr, 'learning rate');
  return () => lr;
}

/**
 * `init · rate^(step / every)`: multiplies the learning rate by `rate` every `every` steps,
 * smoothly in between.
 *
 * @example
 * const lr = exponentialDecay({ init: 0.1, rate: 0.5, every: 100 }); // lr(100) = 0.05
 */
export function exponentialDecay(opts: { init: number; rate: number; every: number }): Schedule {
  const { init, rate, every } = opts;
  checkRate(init, 'exponentialDecay: init');
  if (!(rate > 0 && rate <= 1)) throw new RangeError(`exponentialDecay: rate must be in (0, 1], got ${rate}`);
  if (!(every > 0)) throw new RangeError(`exponentialDecay: every must be > 0, got ${every}`);
  return (step) => init * Math.pow(rate, step / every);
}

/**
 * Cosine decay from `init` to `final` (default 0) over `steps` updates, constant at
 * `final` afterwards (optax `cosine_decay_schedule`).
 *
 * @example
 * const lr = cosineDecay({ init: 0.05, steps: 2000 }); // lr(0) = 0.05, lr(1000) = 0.025, lr(2000) = 0
 */
export function cosineDecay(opts: { init: number; steps: number; final?: number }): Schedule {
  const { init, steps } = opts;
  const final = opts.final ?? 0;
  checkRate(init, 'cosineDecay: init');
  checkRate(final, 'cosineDecay: final');
  if (!(steps > 0)) throw new RangeError(`cosineDecay: steps must be > 0, got ${steps}`);
  return (step) => {
    const t = Math.min(step, steps) / steps;
    return final + 0.5 * (init - final) * (1 + Math.cos(Math.PI * t));
  };
}
