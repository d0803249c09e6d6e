/**
 * `diffcontact simulate`: roll a scene forward with the plain (tape-free) step and report
 * the final state, as one JSON document (`--json`) or a readable summary, optionally
 * writing the trajectory (`--out`, format in trajectory.ts).
 */
import { performance } from 'node:perf_hooks';
import { buildModel, initialState } from '../../sim/builder.ts';
import type { Model } from '../../sim/model.ts';
import type { Quat, Scene, Vec3 } from '../../sim/scene.ts';
import { STATE_FIELDS, type State } from '../../sim/state.ts';
import { createStepData, simulate } from '../../sim/step.ts';
import { escapeControl } from './errors.ts';
import { writeFileAtomic } from './files.ts';
import { TrajectoryRecorder, type Trajectory } from './trajectory.ts';

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

/** A finished rollout: the report, the wall time and the trajectory if one was asked for. */
export interface SimulateResult {
  report: SimulateReport;
  /** wall-clock time of the rollout, ms */
  wallMs: number;
  recorder: TrajectoryRecorder | null;
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
 * non-finite value or an energy gain no force supplied.
 *
 * @example
 * const { report } = runSimulation(loadScene('scenes/ball-drop.json', { steps: 100 }), { trajectory: false });
 * report.final.ball.position[2];
 */
export function runSimulation(scene: Scene, opts: { trajectory: boolean }): SimulateResult {
  const model = buildModel(scene);
  const data = createStepData(model);
  const state = initialState(model, scene);
  const recorder = opts.trajectory ? new TrajectoryRecorder(scene, model) : null;
  recorder?.record(0, state);
  const onStep = recorder === null ? undefined : (t: number, s: State) => recorder.record(t, s);
  const start = performance.now();
  simulate(model, state, scene.steps, { data, onStep });
  const wallMs = performance.now() - start;
  const report = { steps: scene.steps, time: state.time, final: finalBodies(model, state) };
  return { report, wallMs, recorder };
}

/**
 * Write a trajectory file atomically (files.ts: an interrupted run leaves the old file or
 * the new one), a frame at a time; an unwritable path is invalid input.
 */
export function writeTrajectory(file: string, recorder: TrajectoryRecorder): void {
  writeFileAtomic(file, trajectoryText(recorder.trajectory), 'trajectory file');
}

/** `JSON.stringify(trajectory)` and a newline, in pieces (one per frame). */
function* trajectoryText(trajectory: Trajectory): Generator<string> {
  yield `{"scene":${JSON.stringify(trajectory.scene)},"dt":${JSON.stringify(trajectory.dt)},"frames":[`;
  for (let f = 0; f < trajectory.frames.length; f++) yield `${f === 0 ? '' : ','}${JSON.stringify(trajectory.frames[f])}`;
  yield ']}\n';
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
    lines.push(`${escapeControl(b.name).padEnd(width)}  ${formatVector(f.position).padEnd(32)} ${formatVector(f.linearVelocity)}`);
  }
  const staticCount = scene.bodies.length - moving.length;
  if (staticCount > 0) lines.push(`(${staticCount} static bod${staticCount === 1 ? 'y' : 'ies'} not shown)`);
  const perStep = report.steps > 0 ? `, ${(wallMs / report.steps).toFixed(4)} ms per step` : '';
  lines.push(`wall time ${wallMs.toFixed(1)} ms${perStep}`);
  return `${lines.join('\n')}\n`;
}
