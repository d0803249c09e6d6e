/**
 * The sensible range of `grad --probe R`, checked before any rollout. The probe judges the
 * gradient in the ball of radius R around the point (sim/probe.ts), in each parameter's
 * own unit, so R must be
 *
 *   - local: at most the scale of every probed parameter, max(|x|, u), with u the scene's
 *     own scale in the parameter's unit (table {@link unitScale}): a ball wider than the
 *     parameter and the scene it lives in judges another scene, and at R = 1e300 it only
 *     overflows;
 *   - inside the parameters' valid range: every x ± R passes the scene's validation (a
 *     mass of 1 kg probed at R = 1 would reach 0 kg).
 *
 * Either failure is invalid input (exit 2) naming `--probe`, the parameter and the range.
 */
import { buildModel, initialState } from '../../sim/builder.ts';
import { formatIssues, SceneError } from '../../sim/errors.ts';
import { parseParamPath, pathBodies, readParam, writeParam, type ParamPath } from '../../sim/paths.ts';
import { SanityMonitor } from '../../sim/sanity.ts';
import { parseScene, type Scene, type SceneInput } from '../../sim/scene.ts';
import { UsageError } from './errors.ts';

/** The scene's scales the probe radius is held to: length L (m) and speed V (m/s), sim/sanity.ts. */
interface SceneScales {
  readonly length: number;
  readonly speed: number;
}

/**
 * u: the scene's own scale in the unit of parameter `p`. Positions and plane offsets: L (m);
 * linear velocities: V (m/s); angular velocities: V/L (rad/s); orientation and normal
 * components, friction and restitution: 1 (dimensionless, of order 1 by construction).
 * Masses, sizes and contact settings are positive quantities whose own value is their
 * scale: 0 here (their x counts, and the valid-range check keeps x − R > 0).
 */
function unitScale(p: ParamPath, s: SceneScales): number {
  if (p.kind === 'contact') return 0;
  switch (p.field) {
    case 'position':
    case 'offset':
      return s.length;
    case 'linearVelocity':
      return s.speed;
    case 'angularVelocity':
      return s.length > 0 ? s.speed / s.length : 0;
    case 'orientation':
    case 'normal':
    case 'friction':
    case 'restitution':
      return 1;
    default:
      return 0;
  }
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/**
 * Throw a {@link UsageError} (exit 2) if `radius` is out of the sensible range for probing
 * `wrt` in `scene` (module comment).
 *
 * @example
 * checkProbeRadius(scene, ['ball.position.z'], 1e300); // throws: --probe 1e300 is wider than …
 */
export function checkProbeRadius(scene: Scene, wrt: readonly string[], radius: number): void {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const monitor = new SanityMonitor(model, state.bodyQ, state.bodyQd);
  const scales: SceneScales = { length: monitor.lengthScale, speed: monitor.speedScale() };
  const bodies = pathBodies(scene);
  const params = wrt.map((text) => parseParamPath(text, bodies, '--wrt'));
  let widest = Infinity;
  let narrowest = '';
  for (const p of params) {
    const x = readParam(scene, p);
    const scale = Math.max(Math.abs(x), unitScale(p, scales));
    if (scale > 0 && scale < widest) {
      widest = scale;
      narrowest = p.text;
    }
  }
  if (radius > widest) {
    throw new UsageError(
      `--probe ${radius}: the probe radius must be at most the scale of every probed parameter, ` +
        `max(|value|, the scene's own scale in its unit): ${fmt(widest)} for ${narrowest} ` +
        `(docs/cli.md "grad"); give R in (0, ${fmt(widest)}], a small fraction of it for a local verdict`,
    );
  }
  for (const p of params) {
    const x = readParam(scene, p);
    for (const side of [-1, 1]) {
      const value = x + side * radius;
      try {
        buildModel(parseScene(writeParam(scene, p, value) as SceneInput));
      } catch (err) {
        if (!(err instanceof SceneError)) throw err;
        throw new UsageError(
          `--probe ${radius}: the probe ball leaves the valid range of ${p.text}: at ${fmt(x)} ${side < 0 ? '−' : '+'} ` +
            `${radius} = ${fmt(value)}, ${formatIssues(err.issues.slice(0, 1))}; give a radius that keeps ` +
            `${p.text} ± R valid`,
        );
      }
    }
  }
}
