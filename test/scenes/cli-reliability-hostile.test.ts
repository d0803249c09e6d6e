// Issue 16's hostile cases, re-run as one set: what a new user (or a careless script) feeds
// the CLI — non-finite numbers, absurd masses, huge or negative time steps, degenerate
// shapes, bodies that start inside each other, broken JSON, enormous counts, odd paths and
// names, unwritable outputs, a killed run. Each case states the class of outcome it must
// have, and the class is checked through the CLI's own entry point (in process; the kill
// runs the real binary):
//
// - `invalid`: exit 2, one `diffcontact:` line naming what to fix (the JSON path, the flag
//   or the file), nothing on stdout, no stack trace, no NaN;
// - `diverges`: exit 1, `simulation diverged at step N: body '…'` and the cause (the
//   quantity, a hint that fits: stiffness against dt, a tiny mass), within a step range;
// - `finite`: exit 0, and the `--json` document holds only finite numbers, with a check of
//   the physics where the outcome is known in closed form (a free fall, a body at rest).
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliInProcess, expectFailure, type Run } from './cli-run.ts';

let dir = '';
const file = (name: string) => join(dir, name);

const G = 9.81;
const GROUND = { name: 'ground', shape: { type: 'plane' } };
/** A static floor 0.2 m thick, top at z = 0 (a plane is a half-space: nothing sinks through it). */
const FLOOR = { name: 'floor', shape: { type: 'box', halfExtents: [2, 2, 0.1] }, static: true, position: [0, 0, -0.1] };

/** A 1 kg ball of radius 0.1 m dropped from 1 m, with `extra` fields. */
const ball = (extra: object = {}) => ({
  name: 'ball',
  shape: { type: 'sphere', radius: 0.1 },
  mass: 1,
  position: [0, 0, 1],
  ...extra,
});

/** A scene of 100 steps of 2 ms: a ball over the ground unless `bodies` says otherwise. */
const scene = (extra: object = {}, bodies: object[] = [GROUND, ball()]) => ({
  dt: 0.002,
  steps: 100,
  bodies,
  ...extra,
});

/** The scene text with `from` replaced by `to` (for what JSON.stringify cannot write: 1e999, NaN, a BOM). */
const raw = (s: object, from: string, to: string) => {
  const text = JSON.stringify(s);
  if (!text.includes(from)) throw new Error(`raw: '${from}' not in the scene`);
  return text.replace(from, to);
};

/** N/m and m: the contact of the interpenetrating cases, stated so their stored energy is a closed form */
const K = 1e4;
const TAU = 1e-3;

/** `n` spheres of 1 kg, radius 0.1 m, all centred at (0, 0, 1). */
const pileAtOnePoint = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    shape: { type: 'sphere', radius: 0.1 },
    mass: 1,
    position: [0, 0, 1],
  }));

type Final = Record<
  string,
  { position: number[]; orientation: number[]; linearVelocity: number[]; angularVelocity: number[] }
>;

type Outcome =
  /** exit 2 and a message matching `names` (the path, flag or file to fix) */
  | { invalid: RegExp }
  /** exit 1 naming a step in [from, to] and a body, with the cause matching `cause` */
  | { diverges: RegExp; steps: [number, number]; body?: string }
  /** exit 0 with finite numbers only; `check` asserts the physics of the final state */
  | { finite: true; check?: (final: Final) => void };

interface Case {
  category: string;
  name: string;
  /** the scene file's contents (an object is written as JSON); absent: the command names its own input */
  scene?: object | string;
  /** the command line; `SCENE` is replaced by the scene file's path */
  args: string[];
  expect: Outcome;
  /** a wrong outcome not fixed yet: the case runs as an expected failure (it turns red once fixed) */
  knownBug?: string;
}

/** a 1e-30 kg ball dropped 0.4 m onto penalty contacts: simulate, grad and sweep must each name its blow-up */
const TINY_BALL = scene({ steps: 1000, dt: 0.001, contact: { mode: 'penalty' } }, [
  GROUND,
  ball({ mass: 1e-30, position: [0, 0, 0.5] }),
]);
const SIM = ['simulate', 'SCENE', '--json'];
const GRAD = ['grad', 'SCENE', '--of', 'ball.position.z', '--wrt', 'ball.position.z'];
const SWEEP = [
  'sweep',
  'SCENE',
  '--of',
  'ball.position.z',
  '--wrt',
  'ball.position.z',
  '--from',
  '0.9',
  '--to',
  '1',
  '--n',
  '3',
];

/** z of a ball dropped from rest at z₀ after n semi-implicit steps of dt in free fall: z₀ − ½g·t·(t + dt). */
const freeFallZ = (z0: number, n: number, dt: number) => z0 - 0.5 * G * n * dt * (n * dt + dt);

const CASES: Case[] = [
  // ---- non-finite numbers: 1e999 parses as Infinity; NaN is no JSON at all
  ...(
    [
      ['bodies[1].position[2]', '"position":[0,0,1]', '"position":[0,0,1e999]'],
      ['bodies[1].mass', '"mass":1', '"mass":1e999'],
      ['dt', '"dt":0.002', '"dt":-1e999'],
      ['bodies[1].linearVelocity[0]', '"position":[0,0,1]', '"position":[0,0,1],"linearVelocity":[1e999,0,0]'],
      ['bodies[1].orientation[0]', '"position":[0,0,1]', '"position":[0,0,1],"orientation":[1e999,0,0,0]'],
      ['bodies[1].shape.radius', '"radius":0.1', '"radius":1e999'],
    ] as const
  ).map(([path, from, to]): Case => ({
    category: 'non-finite numbers',
    name: `${path} = ±1e999 (Infinity)`,
    scene: raw(scene(), from, to),
    args: SIM,
    expect: { invalid: new RegExp(`${path.replace(/[[\].]/g, '\\$&')}: must be a finite number`) },
  })),
  {
    category: 'non-finite numbers',
    name: 'gravity[2] = -1e999',
    scene: raw(scene({ gravity: [0, 0, -9.81] }), '-9.81', '-1e999'),
    args: SIM,
    expect: { invalid: /gravity\[2\]: must be a finite number/ },
  },
  {
    category: 'non-finite numbers',
    name: 'contact.stiffness = 1e999',
    scene: raw(scene({ contact: { mode: 'penalty', stiffness: 1 } }), '"stiffness":1', '"stiffness":1e999'),
    args: SIM,
    expect: { invalid: /contact\.stiffness: must be a finite number/ },
  },
  {
    category: 'non-finite numbers',
    name: 'a NaN literal is not JSON',
    scene: raw(scene(), '"dt":0.002', '"dt":NaN'),
    args: SIM,
    expect: { invalid: /invalid scene: \(scene\): not valid JSON/ },
  },
  ...(
    [
      ['--dt', 'NaN', SIM],
      ['--temperature', 'Infinity', SIM],
      ['--steps', '1e999', SIM],
      ['--energy-growth', 'NaN', SIM],
      ['--probe', '1e999', GRAD],
      ['--to', 'Infinity', SWEEP],
    ] as const
  ).map(([flag, value, args]): Case => ({
    category: 'non-finite numbers',
    name: `${args[0]} ${flag} ${value}`,
    scene: scene(),
    args: [...args, flag, value],
    expect: { invalid: new RegExp(`option '${flag} <\\w+>' argument '${value}' is invalid`) },
  })),

  // ---- absurd masses
  {
    category: 'absurd masses',
    name: 'a 1e-30 kg ball on penalty contacts: reported at its landing, the hint names the mass',
    scene: TINY_BALL,
    args: SIM,
    // it falls 0.4 m before it touches: √(2·0.4/g) = 0.286 s = 286 steps
    expect: { diverges: /1\.00e-30 kg/, steps: [286, 1000], body: 'ball' },
  },
  {
    category: 'absurd masses',
    name: 'a 1e-30 kg ball beside a 1 kg one (its energy is too small to move the total): the light one is named',
    scene: scene({ steps: 1000, dt: 0.001, contact: { mode: 'penalty' } }, [
      GROUND,
      ball({ name: 'heavy', position: [2, 0, 0.5] }),
      ball({ name: 'light', mass: 1e-30, position: [0, 0, 0.5] }),
    ]),
    args: SIM,
    expect: { diverges: /1\.00e-30 kg/, steps: [286, 1000], body: 'light' },
  },
  ...(
    [
      ['1e-310 (denormal)', 1e-310, /bodies\[1\]\.mass: gives a mass of 1e-310 kg/],
      ['0', 0, /bodies\[1\]\.mass: must be > 0/],
      ['-1', -1, /bodies\[1\]\.mass: must be > 0/],
      ['1e300', 1e300, /bodies\[1\]\.mass: gives a moment of inertia of 4\.00e\+297 kg·m²/],
      ['1e-150', 1e-150, /bodies\[1\]\.mass: gives a moment of inertia of 4\.00e-153 kg·m²/],
    ] as const
  ).map(([label, mass, names]): Case => ({
    category: 'absurd masses',
    name: `mass ${label}`,
    scene: scene({}, [GROUND, ball({ mass })]),
    args: SIM,
    expect: { invalid: names },
  })),
  // a 1e6 kg ball resting on a 1e-6 kg one on the ground (hard): the impulse solve cannot hold
  // a mass ratio of 1e12 (the issue: exit 0). Which contact gives way depends on the order its
  // Gauss–Seidel sweeps visit them (the stack is exact in continuous time: nothing moves):
  // the heavy ball sinks through the light one, or presses the light one into the ground
  // (the solves' order by body pair, sim/hard/contact-order.ts: the second, to the same depth
  // at the same step). Either is the same failure, reported: each command names the step, one
  // of the stack's two contacts with its depth against its bound, the hint the mass ratio
  ...(
    [
      ['simulate', SIM],
      ['grad', ['grad', 'SCENE', '--of', 'heavy.position.z', '--wrt', 'heavy.position.z']],
      [
        'sweep',
        ['sweep', 'SCENE', '--of', 'heavy.position.z', '--wrt', 'heavy.position.z', '--from', '0.3', '--to', '0.31'],
      ],
      ['optimize', ['optimize', 'SCENE', '--iters', '1', '--out', 'DIR/optimize-heavy']],
    ] as const
  ).map(([command, args]): Case => ({
    category: 'absurd masses',
    name: `${command}: a 1e6 kg ball on a 1e-6 kg one (hard) sinks into it or presses it into the ground: reported as penetration, not exit 0`,
    scene: {
      ...scene({ steps: 300, contact: { mode: 'hard' } }, [
        GROUND,
        ball({ name: 'light', mass: 1e-6, position: [0, 0, 0.1] }),
        ball({ name: 'heavy', mass: 1e6, position: [0, 0, 0.3] }),
      ]),
      objective: { of: 'heavy.position.z', target: 0.3, wrt: ['heavy.position.z'] },
    },
    args: command === 'sweep' ? [...args, '--n', '2'] : [...args],
    // it sinks steadily (7 mm at a ratio of 1e4 over the run, all the way at 1e12): past the
    // light ball's 0.1 m radius (its centre level with the heavy one's, or with the ground's
    // surface) plus one step's travel within the run
    expect: {
      diverges:
        /body '(heavy' is [\d.]+ m deep in body 'light|light' is [\d.]+ m deep in body 'ground)' \(penetration depth.*more than the [\d.]+ m allowed .*body 'heavy' is 1\.00e\+12 times heavier than body 'light'/,
      steps: [20, 300],
    },
  })),
  // ---- time steps
  ...(
    [
      ['dt 0', { dt: 0 }, /dt: must be > 0/],
      ['dt -0.001', { dt: -0.001 }, /dt: must be > 0/],
      ['dt 1e-400 (underflows to 0)', null, /dt: must be > 0/],
    ] as const
  ).map(([name, extra, names]): Case => ({
    category: 'time steps',
    name,
    scene: extra === null ? raw(scene(), '"dt":0.002', '"dt":1e-400') : scene(extra),
    args: SIM,
    expect: { invalid: names },
  })),
  {
    category: 'time steps',
    name: '--dt -1',
    scene: scene(),
    args: [...SIM, '--dt', '-1'],
    expect: { invalid: /option '--dt <S>' argument '-1' is invalid\. must be > 0/ },
  },
  {
    category: 'time steps',
    name: 'dt 10 s on a soft contact (the spring has a period of 0.06 s): the hint says so',
    scene: scene({ dt: 10, steps: 20 }),
    args: SIM,
    expect: { diverges: /stiffness 1\.00e\+4 N\/m on 1 kg oscillates with period/, steps: [1, 3], body: 'ball' },
  },
  {
    category: 'time steps',
    name: 'dt 1e6 s (a fall of 1e13 m in one step): reported, not run to the end',
    scene: scene(),
    args: [...SIM, '--dt', '1e6'],
    expect: { diverges: /./, steps: [1, 3], body: 'ball' },
  },
  {
    category: 'time steps',
    name: 'dt 10 s in hard mode: the ball lands and rests',
    scene: scene({ dt: 10, steps: 20, contact: { mode: 'hard' } }),
    args: SIM,
    expect: {
      finite: true,
      check: (f) => {
        expect(f.ball.position[2]).toBeGreaterThan(0.09);
        expect(f.ball.position[2]).toBeLessThan(0.11);
      },
    },
  },
  {
    category: 'time steps',
    name: 'dt 1e-300 s: ten steps move nothing measurable',
    scene: scene({ dt: 1e-300, steps: 10 }),
    args: SIM,
    expect: { finite: true, check: (f) => expect(f.ball.position[2]).toBe(1) },
  },

  // ---- degenerate shapes
  ...(
    [
      ['sphere radius 0', { type: 'sphere', radius: 0 }, /bodies\[1\]\.shape\.radius: must be > 0/],
      ['sphere radius -1', { type: 'sphere', radius: -1 }, /bodies\[1\]\.shape\.radius: must be > 0/],
      ['a flat box', { type: 'box', halfExtents: [1, 1, 0] }, /bodies\[1\]\.shape\.halfExtents\[2\]: must be > 0/],
      ['an unknown shape', { type: 'torus', radius: 1 }, /bodies\[1\]\.shape\.type: must be one of/],
      ['a cylinder without a height', { type: 'cylinder', radius: 0.1 }, /bodies\[1\]\.shape\./],
    ] as const
  ).map(([name, shape, names]): Case => ({
    category: 'degenerate shapes',
    name,
    scene: scene({}, [GROUND, ball({ shape })]),
    args: SIM,
    expect: { invalid: names },
  })),
  {
    category: 'degenerate shapes',
    name: 'the zero quaternion',
    scene: scene({}, [GROUND, ball({ orientation: [0, 0, 0, 0] })]),
    args: SIM,
    expect: { invalid: /bodies\[1\]\.orientation: must not be the zero quaternion/ },
  },
  {
    category: 'degenerate shapes',
    name: 'a plane with a zero normal',
    scene: scene({}, [{ name: 'ground', shape: { type: 'plane', normal: [0, 0, 0] } }, ball()]),
    args: SIM,
    expect: { invalid: /bodies\[0\]\.shape\.normal: must not be the zero vector/ },
  },
  {
    category: 'degenerate shapes',
    name: 'a dynamic plane',
    scene: scene({}, [{ name: 'ground', shape: { type: 'plane' }, mass: 1, static: false }, ball()]),
    args: SIM,
    expect: { invalid: /bodies\[0\]\.static: a plane is always static/ },
  },
  {
    category: 'degenerate shapes',
    name: 'a capsule of length 0 (a sphere) lands and rests at its radius',
    scene: scene({ steps: 1000, contact: { mode: 'hard' } }, [
      GROUND,
      ball({ shape: { type: 'capsule', radius: 0.1, halfLength: 0 } }),
    ]),
    args: SIM,
    expect: { finite: true, check: (f) => expect(Math.abs(f.ball.position[2] - 0.1)).toBeLessThan(0.005) },
  },
  {
    category: 'degenerate shapes',
    name: 'a 1e-12 m ball falls freely, never flagged (its first step falls 1e7 of its sizes)',
    scene: scene({}, [GROUND, ball({ shape: { type: 'sphere', radius: 1e-12 } })]),
    args: SIM,
    expect: {
      finite: true,
      check: (f) => expect(f.ball.position[2]).toBeCloseTo(freeFallZ(1, 100, 0.002), 12),
    },
  },
  {
    category: 'degenerate shapes',
    name: 'a 1e12 m ball 2e12 m up falls freely',
    scene: scene({}, [GROUND, ball({ shape: { type: 'sphere', radius: 1e12 }, position: [0, 0, 2e12] })]),
    args: SIM,
    expect: { finite: true, check: (f) => expect(f.ball.position[2]).toBe(2e12 + (freeFallZ(1, 100, 0.002) - 1)) },
  },

  // ---- contacts too soft, and contacts that are not: the penetration bound
  ...(['penalty', 'soft'] as const).map((mode): Case => ({
    category: 'penetration',
    name: `a 1 kg ball dropped 0.9 m onto a 0.2 m static floor, ${mode} contact of 100 N/m: sinks through it, reported, the hint names the stiffness`,
    // restitution 1: no dashpot, the spring alone stops it, v·√(m/k) = 4.2 m/s × 0.1 s = 0.42 m deep:
    // through the floor; the bound is ½(0.1 + 0.1) m of their half-thicknesses
    scene: scene({ steps: 400, contact: { mode, stiffness: 100, restitution: 1 } }, [FLOOR, ball()]),
    args: SIM,
    // the fall to touch takes √(2·0.9/g) = 0.43 s = 214 steps; 0.1 m deeper takes < 0.03 s
    expect: {
      diverges: /body 'ball' is [\d.]+ m deep in body 'floor'.*stiffness 100 N\/m is soft for body 'ball'/,
      steps: [214, 240],
      body: 'ball',
    },
  })),
  ...(['penalty', 'soft', 'hard'] as const).map((mode): Case => ({
    category: 'penetration',
    name: `a 1e4 kg ball resting on a stiff static floor (${mode}, 1e6 N/m: m·|g|/k = 0.1 m without the weight feed-forward) is not reported`,
    scene: scene({ steps: 500, dt: 0.001, contact: { mode, stiffness: 1e6 } }, [
      FLOOR,
      ball({ mass: 1e4, position: [0, 0, 0.1] }),
    ]),
    args: SIM,
    expect: {
      finite: true,
      check: (f) => {
        // at rest on the ground: within 5 mm of its radius, still
        expect(Math.abs(f.ball.position[2] - 0.1)).toBeLessThan(0.005);
        expect(Math.hypot(...f.ball.linearVelocity)).toBeLessThan(0.01);
      },
    },
  })),
  ...(['penalty', 'hard'] as const).map((mode): Case => ({
    category: 'penetration',
    name: `a ball started 0.15 m inside the ground (${mode}, deeper than its 0.1 m radius): pushed out, not reported`,
    scene: scene({ steps: 1500, dt: 0.001, contact: { mode } }, [GROUND, ball({ position: [0, 0, -0.05] })]),
    args: SIM,
    expect: {
      finite: true,
      // out of the ground and back on it; penalty's stored ½k·d² = 112 J may throw it up first
      check: (f) => expect(f.ball.position[2]).toBeGreaterThan(0.09),
    },
  })),
  {
    category: 'penetration',
    name: '--penetration-factor 3 lets the 1e6 kg ball sink (hard): the bound is configurable',
    scene: scene({ steps: 300, contact: { mode: 'hard' } }, [
      GROUND,
      ball({ name: 'light', mass: 1e-6, position: [0, 0, 0.1] }),
      ball({ name: 'heavy', mass: 1e6, position: [0, 0, 0.3] }),
    ]),
    args: [...SIM, '--penetration-factor', '3'],
    // concentric at most: 0.2 m deep, under 3 × 0.1 m
    expect: { finite: true, check: (f) => expect(f.heavy.position[2]).toBeLessThan(0.2) },
  },

  // ---- bodies that start inside each other or the ground
  {
    category: 'interpenetrating starts',
    name: '200 spheres at one point (penalty): more energy than their overlap stores, reported at once (the issue: 3.9e7 m/s, exit 0)',
    scene: scene({ steps: 300, contact: { mode: 'penalty' } }, [GROUND, ...pileAtOnePoint(200)]),
    args: SIM,
    expect: { diverges: /gained .* J/, steps: [1, 20] },
  },
  ...(['penalty', 'soft'] as const).map((mode): Case => ({
    category: 'interpenetrating starts',
    name: `50 spheres at one point (${mode}): they fly apart with no more energy than their springs stored`,
    scene: scene({ steps: 300, contact: { mode, stiffness: K, temperature: TAU } }, [GROUND, ...pileAtOnePoint(50)]),
    args: SIM,
    expect: {
      finite: true,
      check: (f) => {
        // 1225 pairs, each 0.2 m deep: the springs' stored energy bounds what the balls can gain.
        // Penalty ½k·d²; the soft spring kτ·softplus(−d/τ) stores kτ²·F(d/τ) ≤ ½k·d² + kτ²·π²/6
        const pairs = (50 * 49) / 2;
        const stored = pairs * (0.5 * K * 0.2 ** 2 + (mode === 'soft' ? (K * TAU ** 2 * Math.PI ** 2) / 6 : 0));
        let energy = 0;
        for (let i = 0; i < 50; i++) {
          const { position: p, linearVelocity: v } = f[`s${i}`];
          energy += 0.5 * (v[0] ** 2 + v[1] ** 2 + v[2] ** 2) + G * (p[2] - 1);
        }
        expect(energy).toBeGreaterThan(0.01 * stored);
        expect(energy).toBeLessThanOrEqual(stored);
      },
    },
  })),
  {
    category: 'interpenetrating starts',
    name: '50 spheres at one point, hard: pushed apart, nobody leaves the neighbourhood',
    scene: scene({ steps: 300, contact: { mode: 'hard' } }, [GROUND, ...pileAtOnePoint(50)]),
    args: SIM,
    expect: {
      finite: true,
      check: (f) => {
        for (let i = 0; i < 50; i++) {
          const p = f[`s${i}`].position;
          // 50 balls of 0.1 m fit in a 2 m cube; nothing flies off, nothing falls through
          expect(Math.hypot(p[0], p[1])).toBeLessThan(3);
          expect(p[2]).toBeGreaterThan(0.09);
        }
      },
    },
  },
  {
    category: 'interpenetrating starts',
    name: 'two boxes in the same place, hard: separated and on the ground',
    scene: scene({ steps: 300, contact: { mode: 'hard' } }, [
      GROUND,
      { name: 'a', shape: { type: 'box', halfExtents: [0.2, 0.2, 0.2] }, mass: 1, position: [0, 0, 0.2] },
      { name: 'b', shape: { type: 'box', halfExtents: [0.2, 0.2, 0.2] }, mass: 1, position: [0, 0, 0.2] },
    ]),
    args: SIM,
    expect: {
      finite: true,
      check: (f) => {
        const [a, b] = [f.a.position, f.b.position];
        // no longer one inside the other: centres at least most of a box apart on some axis
        expect(Math.max(...[0, 1, 2].map((k) => Math.abs(a[k] - b[k])))).toBeGreaterThan(0.35);
        expect(Math.min(a[2], b[2])).toBeGreaterThan(0.15);
      },
    },
  },
  {
    category: 'interpenetrating starts',
    name: 'a ball half in the ground (penalty): pushed out, ends resting on it',
    scene: scene({ steps: 1500, dt: 0.001, contact: { mode: 'penalty' } }, [GROUND, ball({ position: [0, 0, 0.05] })]),
    args: SIM,
    expect: { finite: true, check: (f) => expect(Math.abs(f.ball.position[2] - 0.1)).toBeLessThan(0.005) },
  },

  // ---- broken files
  ...(
    [
      ['a truncated file', '{"bodies": [', /\(scene\): not valid JSON/],
      ['an empty file', '', /\(scene\): not valid JSON/],
      ['a trailing comma', '{"bodies": [],}', /\(scene\): not valid JSON/],
      ['binary garbage', '\u0000\u0001\u00ff\u0002', /\(scene\): not valid JSON/],
      ['an array', '[]', /\(scene\): must be an object, got an array/],
      ['null', 'null', /\(scene\): must be an object, got null/],
      ['no bodies', '{"dt": 0.01}', /bodies: is required/],
      ['an empty body list', '{"bodies": []}', /bodies: must list at least one body/],
      [
        '100,000 nested arrays',
        `{"x": ${'['.repeat(100_000)}${']'.repeat(100_000)}, "bodies": []}`,
        /x: unknown field/,
      ],
      [
        'a __proto__ key',
        '{"__proto__": {"dt": 5}, "bodies": [{"name": "b", "shape": {"type": "sphere", "radius": 0.1}, "mass": 1}]}',
        /__proto__: unknown field/,
      ],
    ] as const
  ).map(([name, text, names]): Case => ({
    category: 'broken files',
    name,
    scene: text,
    args: SIM,
    expect: { invalid: names },
  })),
  {
    category: 'broken files',
    name: 'a mass written as a string',
    scene: scene({}, [GROUND, ball({ mass: '1' })]),
    args: SIM,
    expect: { invalid: /bodies\[1\]\.mass: must be a number, got "1"/ },
  },
  {
    category: 'broken files',
    name: 'a misspelt field',
    scene: scene({ gravty: [0, 0, -1] }),
    args: SIM,
    expect: { invalid: /gravty: unknown field \(valid fields: .*gravity/ },
  },
  {
    category: 'broken files',
    name: 'two bodies of one name',
    scene: scene({}, [GROUND, ball(), ball()]),
    args: SIM,
    expect: { invalid: /bodies\[2\]\.name: duplicate body name 'ball' \(also bodies\[1\]\)/ },
  },
  {
    category: 'broken files',
    name: 'a name with terminal control codes is escaped in the message',
    scene: scene({}, [GROUND, ball({ name: 'x\u001b[2J' }), ball({ name: 'x\u001b[2J' })]),
    args: SIM,
    expect: { invalid: /duplicate body name 'x\\u001b\[2J'/ },
  },
  {
    category: 'broken files',
    name: 'a byte-order mark before the JSON (RFC 8259 lets a reader ignore it): runs',
    scene: `\ufeff${JSON.stringify(scene())}`,
    args: SIM,
    expect: { finite: true, check: (f) => expect(f.ball.position[2]).toBeCloseTo(freeFallZ(1, 100, 0.002), 12) },
  },
  {
    category: 'broken files',
    name: 'a missing file',
    args: ['simulate', 'MISSING/scene.json'],
    expect: { invalid: /cannot read scene file '.*scene\.json': no such file/ },
  },
  {
    category: 'broken files',
    name: 'a folder as the scene',
    args: ['simulate', 'DIR'],
    expect: { invalid: /cannot read scene file '.*': it is a directory/ },
  },
  {
    category: 'broken files',
    name: '/dev/zero as the scene (endless input)',
    args: ['simulate', '/dev/zero'],
    expect: { invalid: /larger than 64 MiB/ },
  },

  // ---- enormous counts
  {
    category: 'enormous counts',
    name: '--steps 1e12',
    scene: scene(),
    args: [...SIM, '--steps', '1000000000000'],
    expect: { invalid: /1000000000000 steps × 2 bodies = 2\.00e\+12 body-steps, .*--allow-large/ },
  },
  {
    category: 'enormous counts',
    name: 'steps 1e300 in the file',
    scene: scene({ steps: 1e300 }),
    args: SIM,
    expect: { invalid: /steps: must be <= 9007199254740991/ },
  },
  {
    category: 'enormous counts',
    name: 'steps 1.5',
    scene: scene({ steps: 1.5 }),
    args: SIM,
    expect: { invalid: /steps: must be an integer, got 1\.5/ },
  },
  {
    category: 'enormous counts',
    name: 'sweep --n 1e9 (a billion rollouts)',
    scene: scene(),
    args: [...SWEEP.slice(0, -1), '1000000000'],
    expect: {
      invalid: /1000000000 points × 1 contact mode × 100 steps × 2 bodies = 2\.00e\+11 body-steps.*--allow-large/,
    },
  },
  {
    category: 'enormous counts',
    name: '10,001 bodies',
    scene: scene(
      {},
      Array.from({ length: 10_001 }, (_, i) => ({
        name: `s${i}`,
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        position: [i, 0, 1],
      })),
    ),
    args: SIM,
    expect: { invalid: /10001 bodies, more than the 10000 allowed.*--allow-large/ },
  },

  // ---- paths and names
  ...(
    [
      [
        'ball.position.q',
        'ball.position.z',
        /--of: 'ball\.position\.q': 'position' has no component 'q'; valid: x, y, z/,
      ],
      [
        '__proto__.position.z',
        'ball.position.z',
        /--of: '__proto__\.position\.z': no body is named '__proto__'; valid: ball/,
      ],
      [
        'ball.position.z',
        'ground.position.z',
        /--wrt: 'ground\.position\.z': plane 'ground' has no parameter 'position'/,
      ],
    ] as const
  ).map(([of, wrt, names]): Case => ({
    category: 'paths and names',
    name: `grad --of ${of} --wrt ${wrt}`,
    scene: scene(),
    args: ['grad', 'SCENE', '--of', of, '--wrt', wrt],
    expect: { invalid: names },
  })),
  {
    category: 'paths and names',
    name: 'an objective over a body that does not exist',
    scene: { ...scene(), objective: { of: 'ball.position.z', target: 0.5, wrt: ['ghost.position.z'] } },
    args: SIM,
    expect: { invalid: /objective\.wrt\[0\]: .*ghost/ },
  },
  {
    category: 'paths and names',
    name: 'bodies named __proto__, constructor and 球 keep their own state',
    scene: scene({}, [
      GROUND,
      ...['__proto__', 'constructor', '球'].map((name, i) => ball({ name, position: [i, 0, 1] })),
    ]),
    args: SIM,
    expect: {
      finite: true,
      check: (f) =>
        ['__proto__', 'constructor', '球'].forEach((name, i) => {
          const own = Object.getOwnPropertyDescriptor(f, name)?.value as Final[string];
          expect(own.position[0]).toBe(i);
          expect(own.position[2]).toBeCloseTo(freeFallZ(1, 100, 0.002), 12);
        }),
    },
  },

  // ---- outputs that cannot be written
  {
    category: 'unwritable outputs',
    name: '--out into a folder that does not exist',
    scene: scene(),
    args: ['simulate', 'SCENE', '--out', 'MISSING/t.json'],
    expect: { invalid: /cannot write trajectory file '.*t\.json': no such folder/ },
  },
  {
    category: 'unwritable outputs',
    name: '--out naming a folder',
    scene: scene(),
    args: ['simulate', 'SCENE', '--out', 'DIR'],
    expect: { invalid: /cannot write trajectory file '.*': it is a directory/ },
  },
  {
    category: 'unwritable outputs',
    name: '--out naming the input scene',
    scene: scene(),
    args: ['simulate', 'SCENE', '--out', 'SCENE'],
    expect: { invalid: /is the input scene/ },
  },
  ...(existsSync('/dev/full')
    ? [
        {
          category: 'unwritable outputs',
          name: '--out on a full disk (a link to /dev/full)',
          scene: scene(),
          args: ['simulate', 'SCENE', '--out', 'FULL'],
          expect: { invalid: /cannot write trajectory file '.*': no space left on the device/ },
        },
      ]
    : []),

  // ---- a probe radius out of range is the radius's fault, not a divergence
  ...(
    [
      [
        '1e300',
        'ball.position.z',
        /--probe 1e\+300: the probe radius must be at most .*: 1 for ball\.position\.z.*\(0, 1\]/,
      ],
      ['1e6', 'ball.linearVelocity.x', /--probe 1000000: the probe radius must be at most .*ball\.linearVelocity\.x/],
      [
        '1',
        'ball.mass',
        /--probe 1: the probe ball leaves the valid range of ball\.mass: at 1 − 1 = 0, bodies\[1\]\.mass: must be > 0/,
      ],
    ] as const
  ).map(([radius, wrt, names]): Case => ({
    category: 'absurd options',
    name: `grad --wrt ${wrt} --probe ${radius}`,
    scene: scene(),
    args: ['grad', 'SCENE', '--of', 'ball.position.z', '--wrt', wrt, '--probe', radius],
    expect: { invalid: names },
  })),

  // ---- values that blow up on their own
  {
    category: 'blow-ups',
    name: 'a ball at 1e200 m/s (hard): named at step 0, not the static ground',
    scene: scene({ contact: { mode: 'hard' } }, [GROUND, ball({ linearVelocity: [0, 0, -1e200] })]),
    args: SIM,
    expect: { diverges: /initial energy of body 'ball' overflows/, steps: [0, 0], body: 'ball' },
  },
  {
    category: 'blow-ups',
    name: 'grad of the 1e-30 kg ball names the step it happened',
    scene: TINY_BALL,
    args: GRAD,
    expect: { diverges: /1\.00e-30 kg/, steps: [286, 1000], body: 'ball' },
  },
  {
    category: 'blow-ups',
    name: 'sweep of the 1e-30 kg ball names the step it happened',
    scene: TINY_BALL,
    args: [
      'sweep',
      'SCENE',
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.position.z',
      '--from',
      '0.5',
      '--to',
      '0.6',
      '--n',
      '2',
    ],
    expect: { diverges: /1\.00e-30 kg/, steps: [286, 1000], body: 'ball' },
  },
];

/** Every number in a parsed JSON document. */
function numbersIn(value: unknown, out: number[] = []): number[] {
  if (typeof value === 'number') out.push(value);
  else if (Array.isArray(value)) for (const v of value) numbersIn(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) numbersIn(v, out);
  return out;
}

/** Check `r` against the outcome class of `c`. */
function expectOutcome(c: Case, r: Run): void {
  const what = `${c.category}: ${c.name}\n${r.stderr}`;
  const o = c.expect;
  // a message may quote the user's own NaN back (`--dt NaN`, `"dt": NaN`); it must never compute one
  const quotesNaN = c.args.includes('NaN') || (typeof c.scene === 'string' && c.scene.includes('NaN'));
  const failure = (code: number) => {
    if (!quotesNaN) return expectFailure(r, code);
    expect(r.code, what).toBe(code);
    expect(r.stderr, what).toMatch(/^diffcontact: /);
    expect(r.stderr, what).not.toMatch(/\n\s+at /);
    expect(r.stdout, what).toBe('');
  };
  if ('invalid' in o) {
    failure(2);
    expect(r.stderr.split('\n')[0] + r.stderr, what).toMatch(o.invalid);
  } else if ('diverges' in o) {
    failure(1);
    // `diverged at step N: body '…' …`, or at step 0 `diverged at step 0: the initial energy of body '…'`
    const step = Number(/diverged at step (\d+): /.exec(r.stderr)?.[1] ?? NaN);
    expect(step, what).toBeGreaterThanOrEqual(o.steps[0]);
    expect(step, what).toBeLessThanOrEqual(o.steps[1]);
    if (o.body !== undefined) expect(r.stderr, what).toContain(`body '${o.body}'`);
    expect(r.stderr, what).toMatch(o.diverges);
  } else {
    expect(r.stderr, what).toBe('');
    expect(r.code, what).toBe(0);
    const doc = JSON.parse(r.stdout) as { final: Final };
    const numbers = numbersIn(doc);
    expect(numbers.length, what).toBeGreaterThan(0);
    expect(numbers.every(Number.isFinite), what).toBe(true);
    o.check?.(doc.final);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffcontact-hostile-'));
  mkdirSync(file('a-folder'));
  if (existsSync('/dev/full')) symlinkSync('/dev/full', file('full.json'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("issue 16's hostile cases, one table", () => {
  it('holds at least 51 cases and covers every category the issue names', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(51);
    const categories = new Set(CASES.map((c) => c.category));
    for (const c of [
      'non-finite numbers',
      'absurd masses',
      'time steps',
      'degenerate shapes',
      'interpenetrating starts',
      'broken files',
      'enormous counts',
      'paths and names',
      'unwritable outputs',
      'blow-ups',
      'penetration',
      'absurd options',
    ])
      expect(categories.has(c), c).toBe(true);
  });

  for (const [i, c] of CASES.entries()) {
    (c.knownBug === undefined ? it : it.fails)(`${c.category}: ${c.name}`, async () => {
      const sceneFile = file(`case-${i}.json`);
      if (c.scene !== undefined)
        writeFileSync(sceneFile, typeof c.scene === 'string' ? c.scene : JSON.stringify(c.scene));
      const args = c.args.map((a) =>
        a
          .replace('SCENE', sceneFile)
          .replace('MISSING', file('no-such-folder'))
          .replace('DIR', file('a-folder'))
          .replace('FULL', file('full.json')),
      );
      expectOutcome(c, await cliInProcess(...args));
      // nothing half-written is left beside the outputs
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }
});

describe('a killed run', () => {
  it('SIGKILL while simulate --out runs leaves the old trajectory whole and a finished run the new one', async () => {
    // 2,000 bodies in free fall, 61 frames: a few seconds of stepping and writing
    const big = {
      dt: 1 / 60,
      steps: 60,
      bodies: Array.from({ length: 2000 }, (_, i) => ({
        name: `s${i}`,
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        position: [i % 50, Math.floor(i / 50), 10],
      })),
    };
    writeFileSync(file('big.json'), JSON.stringify(big));
    const target = file('big-trajectory.json');
    const old = '{"old": true}\n';
    writeFileSync(target, old);
    const child = spawn(process.execPath, [BIN, 'simulate', file('big.json'), '--out', target], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    // kill once the run is writing its temporary file (it streams frames there from the first step)
    for (let i = 0; i < 30_000 && child.exitCode === null; i++) {
      if (readdirSync(dir).some((f) => f.startsWith('.big-trajectory.json.'))) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    child.kill('SIGKILL');
    const signal = await exited;
    // the kill landed while the trajectory was being written: the old file is untouched
    expect(signal).toBe('SIGKILL');
    expect(readFileSync(target, 'utf8')).toBe(old);
    // the next run cleans nothing up by hand and replaces the file whole
    const done = await cliInProcess('simulate', file('big.json'), '--out', target);
    expect(done.code).toBe(0);
    expect(JSON.parse(readFileSync(target, 'utf8')).frames).toHaveLength(61);
  }, 120_000);
});
