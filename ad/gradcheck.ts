/**
 * gradcheck: compare the AD gradient with central finite differences over a sweep of
 * step sizes, and say when the finite differences themselves cannot be trusted.
 *
 * For each input j the central difference (f(x + h e_j) − f(x − h e_j)) / 2h is taken for
 * h = scale·10⁻², …, scale·10⁻⁸ (scale = max(1, |x_j|)). Away from kinks these estimates
 * agree to truncation/rounding error over a wide band of h; near a kink or a jump they
 * drift with h (the one-sided slopes mix, or the jump dominates as h shrinks). The
 * estimate reported is the one whose neighbours agree best; the spread over the band is
 * reported, and an input whose spread exceeds `fdTol` is flagged unstable.
 */
import { valueAndGrad, type TraceOptions } from './transforms.ts';
import type { Kink, Real } from './tape.ts';

export interface GradcheckOptions extends TraceOptions {
  /** absolute tolerance on |AD − FD| (default 1e-6) */
  atol?: number;
  /** relative tolerance on |AD − FD| / |FD| (default 1e-5) */
  rtol?: number;
  /** step sizes relative to max(1, |x_j|) (default 1e-2 … 1e-8, decades) */
  steps?: number[];
  /** FD spread (relative) above which an input is flagged unstable (default 1e-3) */
  fdTol?: number;
}

export interface GradcheckResult {
  /** every input's AD derivative within atol + rtol·|FD| of its FD estimate */
  ok: boolean;
  /** max |AD − FD| over the inputs */
  maxError: number;
  value: number;
  ad: number[];
  fd: number[];
  /** per input: the step size whose estimate was chosen */
  fdStep: number[];
  /** per input: (max − min) of the FD estimates over the step sweep, relative to 1 + |FD| */
  fdSpread: number[];
  /** inputs whose FD estimates disagree across step sizes (near a kink, or noisy f) */
  unstable: number[];
  /** the kinks the AD evaluation recorded near x */
  kinks: Kink[];
}

const DEFAULT_STEPS = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8];

function evalPlain(f: (x: Real[]) => Real, x: number[]): number {
  const y = f(x);
  if (typeof y !== 'number') throw new Error('ad.gradcheck: f returned a traced value when called on plain numbers');
  return y;
}

/** Check `f`'s AD gradient at `x` against central finite differences. */
export function gradcheck(f: (x: Real[]) => Real, x: readonly number[], opts: GradcheckOptions = {}): GradcheckResult {
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const steps = opts.steps ?? DEFAULT_STEPS;
  const fdTol = opts.fdTol ?? 1e-3;
  if (steps.length < 2) throw new Error('ad.gradcheck: need at least two step sizes');
  const { value, grad, kinks } = valueAndGrad(f, x, opts);
  const fd: number[] = [];
  const fdStep: number[] = [];
  const fdSpread: number[] = [];
  const unstable: number[] = [];
  let ok = true;
  let maxError = 0;
  const xs = x.slice();
  for (let j = 0; j < x.length; j++) {
    const scale = Math.max(1, Math.abs(x[j]));
    const est = steps.map((s) => {
      const h = s * scale;
      xs[j] = x[j] + h;
      const fp = evalPlain(f, xs);
      xs[j] = x[j] - h;
      const fm = evalPlain(f, xs);
      xs[j] = x[j];
      return (fp - fm) / (2 * h);
    });
    // pick the estimate that agrees best with its neighbours
    let best = 0;
    let bestDiff = Infinity;
    for (let k = 0; k < est.length; k++) {
      const left = k > 0 ? Math.abs(est[k] - est[k - 1]) : Infinity;
      const right = k + 1 < est.length ? Math.abs(est[k] - est[k + 1]) : Infinity;
      const d = Math.min(left, right);
      if (d < bestDiff) {
        bestDiff = d;
        best = k;
      }
    }
    const chosen = est[best];
    fd.push(chosen);
    fdStep.push(steps[best] * scale);
    // spread over the central band of steps (drop the largest and smallest: truncation and rounding)
    const band = est.length > 4 ? est.slice(1, -1) : est;
    const spread = (Math.max(...band) - Math.min(...band)) / (1 + Math.abs(chosen));
    fdSpread.push(spread);
    if (!(spread <= fdTol)) unstable.push(j);
    const err = Math.abs(grad[j] - chosen);
    if (!(err <= atol + rtol * Math.abs(chosen))) ok = false;
    if (err > maxError || err !== err) maxError = err;
  }
  return { ok, maxError, value, ad: grad, fd, fdStep, fdSpread, unstable, kinks };
}
