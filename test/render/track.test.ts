// Track playback (interpolation against closed forms) and loading the CLI's trajectory file.
import { describe, expect, it } from 'vitest';
import { locateTime, POSE_WIDTH, samplePoses, trackFromTrajectoryFile, type Track } from '../../render/track.ts';
import { TrajectoryRecorder } from '../../scenes/cli/trajectory.ts';
import { buildModel, initialState } from '../../sim/builder.ts';
import { SceneError } from '../../sim/errors.ts';
import { parseScene } from '../../sim/scene.ts';
import { simulate } from '../../sim/step.ts';

describe('locateTime', () => {
  const times = Float64Array.from([0, 0.1, 0.3]);
  it('finds the frame at or before a time and the fraction to the next', () => {
    expect(locateTime(times, 0)).toEqual({ frame: 0, alpha: 0 });
    expect(locateTime(times, 0.05).frame).toBe(0);
    expect(locateTime(times, 0.05).alpha).toBeCloseTo(0.5, 12);
    expect(locateTime(times, 0.1)).toEqual({ frame: 1, alpha: 0 });
    expect(locateTime(times, 0.25).alpha).toBeCloseTo(0.75, 12);
  });
  it('clamps outside the track', () => {
    expect(locateTime(times, -1)).toEqual({ frame: 0, alpha: 0 });
    expect(locateTime(times, 9)).toEqual({ frame: 2, alpha: 0 });
    expect(locateTime(Float64Array.from([0]), 1)).toEqual({ frame: 0, alpha: 0 });
  });
});

describe('samplePoses', () => {
  /** one body: from the origin, identity, to (2, 0, 4) turned by `angle` about z */
  function twoFrames(angle: number, flipSign = false): Track {
    const s = flipSign ? -1 : 1;
    return {
      nbody: 1,
      times: Float64Array.from([0, 1]),
      poses: Float64Array.from([0, 0, 0, 1, 0, 0, 0, 2, 0, 4, s * Math.cos(angle / 2), 0, 0, s * Math.sin(angle / 2)]),
    };
  }

  it('interpolates positions linearly and orientations along the great arc', () => {
    const out = new Float64Array(POSE_WIDTH);
    const frame = samplePoses(twoFrames(Math.PI / 2), 0.25, out);
    expect(frame).toBe(0);
    expect(Array.from(out.subarray(0, 3))).toEqual([0.5, 0, 1]);
    // a quarter of the way through a 90° turn: 22.5°
    const half = Math.PI / 16;
    expect(Array.from(out.subarray(3))).toEqual(
      [Math.cos(half), 0, 0, Math.sin(half)].map((v) => expect.closeTo(v, 12)),
    );
  });

  it('takes the shorter arc when the stored quaternions have opposite signs (q and −q are one rotation)', () => {
    const out = new Float64Array(POSE_WIDTH);
    samplePoses(twoFrames(Math.PI / 2, true), 0.5, out);
    const w = out[3],
      z = out[6];
    // ±(cos 22.5°, 0, 0, sin 22.5°): 45° about +z, not the 315° way round
    expect(Math.abs(w)).toBeCloseTo(Math.cos(Math.PI / 8), 12);
    expect(z / w).toBeCloseTo(Math.tan(Math.PI / 8), 12);
  });

  it('stays unit length for nearly equal orientations (the linear fallback)', () => {
    const out = new Float64Array(POSE_WIDTH);
    samplePoses(twoFrames(1e-5), 0.3, out);
    expect(Math.hypot(out[3], out[4], out[5], out[6])).toBeCloseTo(1, 14);
    expect(2 * Math.atan2(out[6], out[3])).toBeCloseTo(0.3e-5, 12);
  });

  it('returns the exact samples at sample times', () => {
    const out = new Float64Array(POSE_WIDTH);
    const t = twoFrames(1);
    expect(samplePoses(t, 1, out)).toBe(1);
    expect(Array.from(out)).toEqual(Array.from(t.poses.subarray(7)));
  });
});

describe('trackFromTrajectoryFile', () => {
  const sceneJson = {
    steps: 100,
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1], linearVelocity: [1, 0, 0] },
    ],
  };

  it('loads what `simulate --out` writes: the same poses, frame by frame', () => {
    const scene = parseScene(sceneJson);
    const model = buildModel(scene);
    const state = initialState(model, scene);
    const recorder = new TrajectoryRecorder(scene, model);
    recorder.record(0, state);
    simulate(model, state, scene.steps, { onStep: (t, s) => recorder.record(t, s) });
    const file = JSON.parse(JSON.stringify(recorder.trajectory));
    const { scene: loaded, track } = trackFromTrajectoryFile(file);
    expect(loaded.bodies.map((b) => b.name)).toEqual(['ground', 'ball']);
    expect(track.nbody).toBe(2);
    expect(Array.from(track.times)).toEqual(file.frames.map((f: { time: number }) => f.time));
    const last = file.frames.length - 1;
    const ball = track.poses.subarray((last * 2 + 1) * 7, (last * 2 + 2) * 7);
    expect(Array.from(ball)).toEqual([
      ...file.frames[last].bodies.ball.position,
      ...file.frames[last].bodies.ball.orientation,
    ]);
    expect(Array.from(ball.subarray(0, 3))).toEqual(Array.from(state.bodyQ.subarray(7, 10)));
  });

  it('names the JSON path of a problem', () => {
    const frame = { time: 0, bodies: { ground: { position: [0, 0, 0], orientation: [1, 0, 0, 0] } } };
    const problem = (json: unknown): string => {
      try {
        trackFromTrajectoryFile(json);
      } catch (err) {
        expect(err).toBeInstanceOf(SceneError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(problem({ scene: sceneJson, dt: 0.001, frames: [frame] })).toMatch(
      /invalid trajectory file: frames\[0\]\.bodies\.ball/,
    );
    expect(problem({ scene: { ...sceneJson, steps: -1 }, frames: [frame] })).toMatch(/scene\.steps/);
    expect(problem({ scene: sceneJson, frames: [] })).toMatch(/frames: must be a non-empty array/);
    expect(problem([1, 2])).toMatch(/must be an object/);
  });
});
