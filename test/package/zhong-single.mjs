/* global process */
// Zhong, Han, Dey & Brikis, "Improving gradient computation for differentiable physics
// simulation with contacts" (L4DC 2023), single-collision task, written against the
// package's public entry only: `import ... from 'diffcontact'`, plain JavaScript. Two
// balls (r = 0.2 m, 1 kg) in the x–z plane, no gravity, e = 1, frictionless, T = 1 s in
// 480 steps; ball a is driven by a per-step force u(t), ball b is only hit. Loss:
// ‖x_b(T)‖² + ε Σ‖u‖²·dt with ε = 0.01, from u ≡ (0, 3) N. The paper's analytic optimum:
// 0.3115. Run by test/api/published-api.test.ts (sources) and test/package/install.test.ts
// (the installed tarball, plain node); `node zhong-single.mjs` prints the result as JSON.
import { ad, objective, simulate } from 'diffcontact';

export const OPTIMUM = 0.3115;
const STEPS = 480;
const DT = 1 / STEPS;
const EFFORT_WEIGHT = 0.01;

const ball = (name, x, z) => ({ name, shape: { type: 'sphere', radius: 0.2 }, mass: 1, position: [x, 0, z] });

export const scene = {
  dt: DT,
  steps: STEPS,
  gravity: [0, 0, 0],
  contact: { mode: 'hard', restitution: 1, friction: 0 },
  bodies: [ball('a', -1, -2), ball('b', -1, -1)],
};

/** Minimise the loss by L-BFGS over a's 480 forces; the loss reached, and its check by simulate(). */
export function solve(maxIter = 200) {
  const f = objective(scene, {
    controls: { a: { force: [0, 0, 3] } },
    loss: ({ final, controls }) => {
      const [x, , z] = final.b.position;
      const effort = ad.sum(controls.a.force.map(([ux, , uz]) => ad.add(ad.square(ux), ad.square(uz))));
      return ad.add(ad.add(ad.square(x), ad.square(z)), ad.mul(EFFORT_WEIGHT * DT, effort));
    },
  });
  const start = f(f.x0).value;
  const best = ad.optim.lbfgs(f, f.x0, { maxIter, tol: 1e-7 });
  // the optimum's controls replayed by the plain simulator: the same terminal position
  const controls = f.controlsOf(best.x);
  const final = simulate(scene, { controls: { a: { force: controls.a.force } } }).final.b.position;
  const effort = controls.a.force.reduce((s, [ux, , uz]) => s + ux * ux + uz * uz, 0);
  const replayed = final[0] ** 2 + final[2] ** 2 + EFFORT_WEIGHT * DT * effort;
  return {
    start,
    loss: best.value,
    replayed,
    optimum: OPTIMUM,
    iterations: best.iterations,
    evaluations: best.evaluations,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${JSON.stringify(solve())}\n`);
