// The example scenes in scenes/ do what their descriptions say, simulated as written in
// both force modes: the closed forms each description quotes (bounce apexes, stopping
// distance, rolling distance) within tolerances that allow for what the description
// says the contact model changes, and the 100-box pile lands and settles without a box
// being thrown off. Their initial geometry is checked in test/scenes/examples.test.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildModel, initialState } from '../../sim/builder.ts';
import type { Model } from '../../sim/model.ts';
import { parseSceneText } from '../../sim/scene.ts';
import type { State } from '../../sim/state.ts';
import { simulate } from '../../sim/step.ts';

type ForceMode = 'soft' | 'penalty';
const FORCE_MODES: ForceMode[] = ['soft', 'penalty'];
const SCENES_DIR = fileURLToPath(new URL('../../scenes/', import.meta.url));

function loadScene(file: string, mode: ForceMode): { model: Model; state: State } {
  const scene = parseSceneText(readFileSync(`${SCENES_DIR}${file}`, 'utf8'));
  scene.contact.mode = mode;
  const model = buildModel(scene);
  return { model, state: initialState(model, scene) };
}

function index(model: Model, name: string): number {
  const i = model.bodyIndex.get(name);
  if (i === undefined) throw new Error(`no body '${name}'`);
  return i;
}

/** Heights of the body's centre at the tops of its flights (v_z turning from up to down), m. */
function apexes(model: Model, state: State, name: string, steps: number): number[] {
  const i = index(model, name);
  const out: number[] = [];
  let previous = state.bodyQd[6 * i + 2];
  simulate(model, state, steps, {
    onStep: (_n, s) => {
      const vz = s.bodyQd[6 * i + 2];
      if (previous > 0 && vz <= 0) out.push(s.bodyQ[7 * i + 2]);
      previous = vz;
    },
  });
  return out;
}

for (const mode of FORCE_MODES) {
  describe(`example scenes in ${mode} mode`, () => {
    it('ball-drop: the first bounce reaches e²·h = 0.64 m, later ones a little above e^(2k)·h', () => {
      const { model, state } = loadScene('ball-drop.json', mode);
      const r = model.geomSize[4 * index(model, 'ball')];
      const h = state.bodyQ[7 * index(model, 'ball') + 2] - r;
      const e = 0.8;
      const tops = apexes(model, state, 'ball', model.steps).map((z) => z - r);
      // each contact's dashpot is derived from e (restitution.ts), at any impact speed;
      // measured 0.642 m (penalty), 0.637 m (soft)
      expect(Math.abs(tops[0] / (e * e * h) - 1)).toBeLessThan(0.02);
      // five bounces in 3 s, each lower than the last, near the constant-e apex e^(2k)·h:
      // slower impacts fall a little below it (gravity acts during the longer contact,
      // ~g/(ω·e·v) of the speed); measured −1.5 … −9 % (penalty), −2.6 … −10.2 % (soft)
      // over bounces 2 to 5
      expect(tops.length).toBeGreaterThanOrEqual(5);
      for (let k = 1; k < tops.length; k++) {
        expect(tops[k]).toBeLessThan(tops[k - 1]);
        expect(Math.abs(tops[k] / (e ** (2 * (k + 1)) * h) - 1)).toBeLessThan(0.12);
      }
    });

    it('bounce-to-target: one bounce in 1 s, rising (e·v)²/(2g) after it', () => {
      const { model, state } = loadScene('bounce-to-target.json', mode);
      const i = index(model, 'ball');
      const r = model.geomSize[4 * i];
      const g = -model.gravity[2];
      const z0 = state.bodyQ[7 * i + 2];
      const vz0 = state.bodyQd[6 * i + 2];
      // landing speed of the ballistic flight from z0 − r at vz0
      const vLand = Math.sqrt(vz0 * vz0 + 2 * g * (z0 - r));
      const tops = apexes(model, state, 'ball', model.steps);
      // the launch apex, then the one after the bounce: exactly one bounce
      expect(tops).toHaveLength(2);
      const rise = tops[1] - r;
      const e = 0.5;
      // measured 0.205 m against 0.215 m: part of the rebound goes into the spin friction
      // starts at the bounce
      expect(Math.abs(rise / ((e * vLand) ** 2 / (2 * g)) - 1)).toBeLessThan(0.06);
    });

    it('billiards: the cue ball breaks the rack, every ball stays on the table', () => {
      const { model, state } = loadScene('billiards.json', mode);
      const cue = index(model, 'cue');
      const r = model.geomSize[4 * cue];
      const startX = Array.from({ length: model.nbody }, (_, i) => state.bodyQ[7 * i]);
      let worstLift = 0;
      simulate(model, state, model.steps, {
        onStep: (_n, s) => {
          for (let i = 0; i < model.nbody; i++) {
            if (model.bodyStatic[i]) continue;
            worstLift = Math.max(worstLift, Math.abs(s.bodyQ[7 * i + 2] - r));
          }
        },
      });
      // the cue ball gave up most of its 3 m/s to the rack
      expect(state.bodyQd[6 * cue]).toBeLessThan(1);
      // and the rack moved forward (the back row is pushed out)
      const moved = Array.from({ length: model.nbody }, (_, i) => i).filter(
        (i) => i !== cue && !model.bodyStatic[i] && state.bodyQ[7 * i] - startX[i] > 0.01,
      );
      expect(moved.length).toBeGreaterThan(3);
      // no ball flies off the cloth or sinks into it (the resting penetration is mg/k = 17 µm);
      // after the impacts balls hop a little on the nearly elastic slow table contact:
      // measured at most 1.0 mm (soft) and 0.9 mm (penalty), 3 % of the radius
      expect(worstLift).toBeLessThan(2e-3);
    });

    it('box-slide: stops after v²/(2μg) = 0.917 m and is at rest at the end', () => {
      const { model, state } = loadScene('box-slide.json', mode);
      const i = index(model, 'box');
      const v0 = state.bodyQd[6 * i];
      const mu = model.bodyFriction[i];
      const g = -model.gravity[2];
      simulate(model, state, model.steps);
      // 1.5 mm of the scheme (v dt/2) plus the forward pitch of the box: measured −0.32 % (soft), −0.16 % (penalty)
      expect(Math.abs(state.bodyQ[7 * i] / ((v0 * v0) / (2 * mu * g)) - 1)).toBeLessThan(5e-3);
      expect(Math.hypot(...state.bodyQd.subarray(6 * i, 6 * i + 6))).toBeLessThan(1e-6);
    });

    it('capsule-roll: rolls 0.658 m down the ramp in 1 s and stays on it', () => {
      const { model, state } = loadScene('capsule-roll.json', mode);
      const i = index(model, 'capsule');
      const ramp = index(model, 'ramp');
      const n = Array.from(model.geomSize.subarray(4 * ramp, 4 * ramp + 3));
      const theta = Math.acos(n[2]);
      const r = model.geomSize[4 * i];
      const g = -model.gravity[2];
      // the moment about the capsule's axis (body z), and the rolling acceleration
      const ratio = model.bodyInertia[3 * i + 2] / (model.bodyMass[i] * r * r);
      const travel = (0.5 * (g * Math.sin(theta))) / (1 + ratio);
      const x0 = Array.from(state.bodyQ.subarray(7 * i, 7 * i + 3));
      let bounce = 0;
      simulate(model, state, model.steps, {
        onStep: (step, s) => {
          // after the first 0.1 s of settling onto the ramp, the normal velocity stays small
          if (step > 100)
            bounce = Math.max(
              bounce,
              Math.abs(n[0] * s.bodyQd[6 * i] + n[1] * s.bodyQd[6 * i + 1] + n[2] * s.bodyQd[6 * i + 2]),
            );
        },
      });
      const moved = Math.hypot(...state.bodyQ.subarray(7 * i, 7 * i + 3).map((x, k) => x - x0[k]));
      // measured +0.6 % (soft) and −0.15 % (penalty): the compliant contacts act off radius r
      expect(Math.abs(moved / travel - 1)).toBeLessThan(1e-2);
      // measured 1.8 mm/s (soft), 0.5 mm/s (penalty)
      expect(bounce).toBeLessThan(0.01);
    });

    it('boxes100: the pile lands and settles, no box thrown off, energy only lost', () => {
      const { model, state } = loadScene('boxes100.json', mode);
      const g = -model.gravity[2];
      const half = model.geomSize[4 * 1];
      // kinetic energy, and potential energy above resting flat on the ground
      const energies = (s: State) => {
        let kinetic = 0;
        let potential = 0;
        for (let i = 0; i < model.nbody; i++) {
          if (model.bodyStatic[i]) continue;
          const v = s.bodyQd.subarray(6 * i, 6 * i + 6);
          kinetic += 0.5 * model.bodyMass[i] * (v[0] ** 2 + v[1] ** 2 + v[2] ** 2);
          // a cube's moments are equal: ½ I |ω|²
          kinetic += 0.5 * model.bodyInertia[3 * i] * (v[3] ** 2 + v[4] ** 2 + v[5] ** 2);
          potential += model.bodyMass[i] * g * (s.bodyQ[7 * i + 2] - half);
        }
        return { kinetic, potential };
      };
      const start = energies(state);
      let peak = 0;
      simulate(model, state, model.steps, {
        onStep: (_n, s) => {
          const e = energies(s);
          peak = Math.max(peak, e.kinetic + e.potential);
        },
      });
      const end = energies(state);
      // contacts only take energy (measured peak = the start: the boxes start in free fall)
      expect(peak).toBeLessThanOrEqual(start.kinetic + start.potential);
      // after 4.2 s: measured 0.04 % (soft: boxes still rock on weakly damped contacts), 0.002 % (penalty)
      expect(end.kinetic).toBeLessThan(1e-3 * start.potential);
      for (let i = 0; i < model.nbody; i++) {
        if (!model.bodyStatic[i]) expect(state.bodyQ[7 * i + 2], model.bodyName[i]).toBeLessThan(4 * half);
      }
    });
  });
}
