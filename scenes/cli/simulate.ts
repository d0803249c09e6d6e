/**
 * `diffcontact simulate`: roll a scene forward with the plain (tape-free) step and report
 * the final state, as one JSON document (`--json`) or a readable summary, optionally
 * writing the trajectory (`--out`, format in trajectory.ts).
 */
import { buildModel, initialState } from '../../sim/builder.ts';
import type { Model } from '../../sim/model.ts';
import type { Quat, Scene, Vec3 } from '../../sim/scene.ts';
import { STATE_FIELDS, type State } from '../../sim/state.ts';
import { createStepData, simulate } from '../../sim/step.ts';
import { escapeControl } from './errors.ts';
import { TrajectoryFileWriter } from './trajectory.ts';

/** Final state of one body, world frame, SI units. */
export interface FinalBodyState {
  /** centre of mass, m */
  position: Vec3;
  /** body → world unit quaternion (w, x, y, z) */
  orientation: Quat;
  /** m/s */
  linearVelocity: Vec3;
  /** rad/s */
  angularVelocity: Vec3;
}

/** What `simulate --json` prints (docs/cli.md "--json documents"). */
export interface SimulateReport {
  /** steps taken */
  steps: number;
  /** simulated time at the end, s */
  time: number;
  /** final state of every body (static ones too), by name */
  final: Record<string, FinalBodyState>;
}

/** A finished rollout: the report, the wall time and the trajectory file's frame count if one was written. */
export interface SimulateResult {
  report: SimulateReport;
  /** wall-clock time of the rollout, ms */
  wallMs: number;
  /** frames written to the trajectory file, or null without one */
  frames: number | null;
}

/**
 * Final state of every body of `model` in `state`, keyed by name. A null-prototype object,
 * so that any legal name (`__proto__`, `constructor`) is an own key that JSON.stringify
 * writes, never a write to Object.prototype.
 */
export function finalBodies(model: Model, state: State): Record<string, FinalBodyState> {
  const { bodyQ: q, bodyQd: qd } = state;
  const out = Object.create(null) as Record<string, FinalBodyState>;
  model.bodyName.forEach((name, b) => {
    const o = b * STATE_FIELDS.bodyQ;
    const v = b * STATE_FIELDS.bodyQd;
    out[name] = {
      position: [q[o], q[o + 1], q[o + 2]],
      orientation: [q[o + 3], q[o + 4], q[o + 5], q[o + 6]],
      linearVelocity: [qd[v], qd[v + 1], qd[v + 2]],
      angularVelocity: [qd[v + 3], qd[v + 4], qd[v + 5]],
    };
  });
  return out;
}

/**
 * Run `scene` (flags already applied) for `scene.steps` steps. Every step's state is
 * checked (sim/sanity.ts), so a divergence names the first step that produced a
 * non-finite value or an energy gain no force supplied. With `trajectoryFile`, the
 * trajectory is written to it frame by frame as the run goes (trajectory.ts
 * {@link TrajectoryFileWriter}: memory does not grow with the steps) and put in place
 * atomically when the run ends; a run that fails leaves the file as it was.
 *
 * @example
 * const { report } = runSimulation(loadScene('scenes/ball-drop.json', { steps: 100 }), {});
 * report.final.ball.position[2];
 */
export function runSimulation(scene: Scene, opts: { trajectoryFile?: string }): SimulateResult {
  const model = buildModel(scene);
  const data = createStepData(model);
  const state = initialState(model, scene);
  const writer = opts.trajectoryFile === undefined ? null : new TrajectoryFileWriter(opts.trajectoryFile, scene, model);
  // the process's clock, not perf_hooks' `performance`: loading that module is ~1 ms of the CLI's start-up
  const start = process.hrtime.bigint();
  try {
    writer?.record(0, state);
    const onStep = writer === null ? undefined : (t: number, s: State) => writer.record(t, s);
    simulate(model, state, scene.steps, { data, onStep });
    writer?.finish();
  } catch (err) {
    writer?.abort();
    throw err;
  }
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const report = { steps: scene.steps, time: state.time, final: finalBodies(model, state) };
  return { report, wallMs, frames: writer?.frames ?? null };
}

// fixed-point with 4 decimals: 0.1 mm, 0.1 mm/s resolution, enough to read a summary by eye
function formatVector(v: readonly number[]): string {
  return `[${v.map((x) => (Object.is(x, -0) ? 0 : x).toFixed(4)).join(', ')}]`;
}

/** The readable summary of a rollout: settings, final pose and velocity of each moving body, timing. */
export function formatSummary(file: string, scene: Scene, result: SimulateResult): string {
  const { report, wallMs } = result;
  const lines = [
    `${escapeControl(file)}: ${report.steps} steps of ${scene.dt * 1e3} ms, ${Number(report.time.toPrecision(6))} s simulated, contact ${scene.contact.mode}`,
  ];
  const moving = scene.bodies.filter((b) => !b.static);
  // names are shown with control characters escaped: they must not drive the terminal
  const width = Math.max(4, ...moving.map((b) => escapeControl(b.name).length));
  lines.push(`${'body'.padEnd(width)}  final position (m)                final velocity (m/s)`);
  for (const b of moving) {
    const f = report.final[b.name];
    lines.push(
      `${escapeControl(b.name).padEnd(width)}  ${formatVector(f.position).padEnd(32)} ${formatVector(f.linearVelocity)}`,
    );
  }
  const staticCount = scene.bodies.length - moving.length;
  if (staticCount > 0) lines.push(`(${staticCount} static bod${staticCount === 1 ? 'y' : 'ies'} not shown)`);
  const perStep = report.steps > 0 ? `, ${(wallMs / report.steps).toFixed(4)} ms per step` : '';
  lines.push(`wall time ${wallMs.toFixed(1)} ms${perStep}`);
  return `${lines.join('\n')}\n`;
}
