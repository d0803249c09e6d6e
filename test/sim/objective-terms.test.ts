// Objectives a scene file states beyond a final target (sim/objective.ts, sim/scene.ts):
// per-step and knot controls as decision variables, state terms at several times, effort
// terms. Checked against the continuous-time closed form of a pushed body in free flight
// (the trajectory term's times and the knots' steps), the effort's Σ|u|²·dt, central
// differences of the plain simulator through a soft bounce (every kind of term and
// variable at once), and the validator's messages naming the JSON path of each mistake.
import { describe, expect, it } from 'vitest';
import { SceneError } from '../../sim/errors.ts';
import { sceneObjective } from '../../sim/objective.ts';
import { parseScene, type SceneInput } from '../../sim/scene.ts';

const DT = 1e-3;
const STEPS = 400;
const MASS = 2;

/** A 2 kg ball in free flight without gravity, at rest at the origin: pushed only by its control. */
function pushed(objective: SceneInput['objective']): SceneInput {
  return {
    dt: DT,
    steps: STEPS,
    gravity: [0, 0, 0],
    bodies: [{ name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: MASS, position: [0, 0, 0] }],
    objective,
  };
}

describe('controls, trajectory and effort terms', () => {
  it('a two-knot force: positions at the listed times and the effort equal the closed form of the push', () => {
    const times = [0.1, 0.2, 0.3, 0.4];
    const scene = parseScene(
      pushed({
        of: 'ball.position.x',
        target: 0,
        controls: { ball: { force: { start: [0, 0, 0], knots: 2, until: 0.2 } } },
        terms: [
          { of: 'ball.position.x', at: times, target: [0, 0, 0, 0], weight: 2 },
          { effort: 'ball.force', weight: 0.5 },
        ],
      }),
    );
    const obj = sceneObjective(scene);
    expect(obj.wrt).toEqual([
      'ball.force[0].x',
      'ball.force[0].y',
      'ball.force[0].z',
      'ball.force[1].x',
      'ball.force[1].y',
      'ball.force[1].z',
    ]);
    const [f1, f2] = [3, -1];
    const x = [f1, 0, 0, f2, 0, 0];
    // continuous time: a = f1/m on [0, 0.1), f2/m on [0.1, 0.2), then coasting
    const a1 = f1 / MASS;
    const a2 = f2 / MASS;
    const xAt = (t: number): number => {
      const t1 = Math.min(t, 0.1);
      const x1 = 0.5 * a1 * t1 * t1;
      if (t <= 0.1) return x1;
      const v1 = a1 * 0.1;
      const t2 = Math.min(t, 0.2) - 0.1;
      const x2 = x1 + v1 * t2 + 0.5 * a2 * t2 * t2;
      if (t <= 0.2) return x2;
      return x2 + (v1 + a2 * 0.1) * (t - 0.2);
    };
    const effort = 0.5 * (f1 * f1 * 0.1 + f2 * f2 * 0.1);
    const expected = xAt(0.4) ** 2 + 2 * times.reduce((s, t) => s + xAt(t) ** 2, 0) + effort;
    const r = obj.evaluate(x);
    // semi-implicit Euler is first order: the positions differ by O(a·dt·t) ≈ 1e-3 of their size
    expect(Math.abs(r.loss - expected) / expected).toBeLessThan(5e-3);
    expect(r.final[0]).toBeCloseTo(xAt(0.4), 3);
    // the miss reads the state terms only: √(loss − effort)
    expect(r.miss).toBeCloseTo(Math.sqrt(r.loss - effort), 12);
    // the effort alone, exactly: a run whose state terms vanish (zero forces) has loss 0, and
    // the effort's share equals Σ w|u|²·(steps of the knot)·dt
    const lg = obj.lossAndGrad(x);
    expect(lg.value).toBeCloseTo(r.loss, 12);
    expect(obj.evaluate([0, 0, 0, 0, 0, 0]).loss).toBe(0);
  });

  it('per-step controls by default: one knot per step; AD matches central differences of the plain simulator through a soft bounce', () => {
    const scene = parseScene({
      dt: 0.005,
      steps: 60,
      contact: { mode: 'soft', stiffness: 1e4, temperature: 2e-3, restitution: 0.5 },
      bodies: [
        { name: 'ground', shape: { type: 'plane' } },
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 0.2],
          linearVelocity: [1, 0, -1],
        },
      ],
      objective: {
        of: 'ball.position',
        target: [0.3, 0, 0.2],
        wrt: ['ball.linearVelocity.z'],
        controls: { ball: { force: { start: [0.5, 0, 1] }, torque: { start: [0, 0.1, 0], knots: 3 } } },
        terms: [
          {
            of: 'ball.linearVelocity',
            at: [0.1, 0.2],
            target: [
              [1, 0, 0],
              [1, 0, 1],
            ],
            weight: 0.3,
          },
          { effort: 'ball.force', weight: 0.01 },
          { effort: 'ball.torque', weight: 1 },
        ],
      },
    });
    const obj = sceneObjective(scene);
    expect(obj.x0.length).toBe(1 + 3 * 60 + 3 * 3);
    const x = obj.x0.map((v, j) => v + 0.1 * Math.sin(j));
    const { value, grad } = obj.lossAndGrad(x);
    expect(value).toBeCloseTo(obj.value(x), 10);
    const h = 1e-6;
    // the launch speed, the first, a middle and the last step's force, every torque knot
    for (const j of [0, 1, 3, 2 + 3 * 30, 3 * 60 - 1, 1 + 3 * 60, 1 + 3 * 60 + 4, 1 + 3 * 60 + 8]) {
      const up = x.slice();
      const down = x.slice();
      up[j] += h;
      down[j] -= h;
      const fd = (obj.value(up) - obj.value(down)) / (2 * h);
      expect(Math.abs(grad[j] - fd), `variable ${obj.wrt[j]}: AD ${grad[j]}, FD ${fd}`).toBeLessThan(
        1e-6 + 1e-4 * Math.abs(fd),
      );
    }
  });

  it('bounds of a control apply to every component of every knot', () => {
    const obj = sceneObjective(
      parseScene(
        pushed({
          of: 'ball.position',
          target: [1, 0, 0],
          controls: { ball: { force: { bounds: [-2, 5], knots: 2 } } },
        }),
      ),
    );
    expect(obj.bounds.lower).toEqual([-2, -2, -2, -2, -2, -2]);
    expect(obj.bounds.upper).toEqual([5, 5, 5, 5, 5, 5]);
    expect(obj.x0).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('existing objectives keep their meaning: wrt only, one final target', () => {
    const obj = sceneObjective(
      parseScene({
        ...pushed(undefined),
        bodies: [{ name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, linearVelocity: [1, 0, 0] }],
        objective: { of: 'ball.position.x', target: 0.5, wrt: ['ball.linearVelocity.x'] },
      }),
    );
    const r = obj.evaluate([1]);
    expect(r.loss).toBeCloseTo((0.4 - 0.5) ** 2, 12);
    expect(r.miss).toBeCloseTo(0.1, 12);
  });
});

describe('mistakes in the objective name their JSON path', () => {
  const cases: [string, SceneInput['objective'], string, RegExp][] = [
    [
      'no decision variable',
      { of: 'ball.position', target: [0, 0, 0] },
      'objective.wrt',
      /at least one parameter path \(or give objective.controls\)/,
    ],
    [
      'a control on a missing body',
      { of: 'ball.position', target: [0, 0, 0], controls: { cart: { force: {} } } },
      'objective.controls.cart',
      /no body 'cart'/,
    ],
    [
      'knots beyond the steps',
      { of: 'ball.position', target: [0, 0, 0], controls: { ball: { force: { knots: 500 } } } },
      'objective.controls.ball.force.knots',
      /at most one per step/,
    ],
    [
      'until off the grid',
      { of: 'ball.position', target: [0, 0, 0], controls: { ball: { force: { until: 0.0005 } } } },
      'objective.controls.ball.force.until',
      /multiple of dt/,
    ],
    [
      'a time off the grid',
      {
        of: 'ball.position',
        target: [0, 0, 0],
        wrt: ['ball.position.x'],
        terms: [{ of: 'ball.position.x', at: [0.1, 0.1005], target: [0, 0] }],
      },
      'objective.terms[0].at[1]',
      /not on the step grid/,
    ],
    [
      'a time after T',
      {
        of: 'ball.position',
        target: [0, 0, 0],
        wrt: ['ball.position.x'],
        terms: [{ of: 'ball.position.x', at: [0.5], target: [0] }],
      },
      'objective.terms[0].at[0]',
      /within T/,
    ],
    [
      'one target for two times',
      {
        of: 'ball.position',
        target: [0, 0, 0],
        wrt: ['ball.position.x'],
        terms: [{ of: 'ball.position', at: [0.1, 0.2], target: [[0, 0, 0]] }],
      },
      'objective.terms[0].target',
      /one target \(an array of 3 numbers\) per time/,
    ],
    [
      'an effort of no control',
      { of: 'ball.position', target: [0, 0, 0], wrt: ['ball.position.x'], terms: [{ effort: 'ball.force' }] },
      'objective.terms[0].effort',
      /not a control/,
    ],
    [
      'a term with of and effort',
      {
        of: 'ball.position',
        target: [0, 0, 0],
        wrt: ['ball.position.x'],
        terms: [{ of: 'ball.position.x', target: 0, effort: 'ball.force' }],
      },
      'objective.terms[0]',
      /give 'of' and 'target'/,
    ],
  ];
  for (const [what, objective, path, message] of cases) {
    it(what, () => {
      let error: unknown;
      try {
        parseScene(pushed(objective));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SceneError);
      const issues = (error as SceneError).issues;
      expect(
        issues.some((i) => i.path === path && message.test(i.message)),
        JSON.stringify(issues),
      ).toBe(true);
    });
  }
});
