// sim/forward-gradient.ts (a scene function's derivative along one parameter from one
// tangent rollout, what sweeps use in penalty and soft mode) against the closed form of
// free flight, and against the reverse pass of sim/gradient.ts (the same discrete map, an
// independent derivative code): value bitwise, derivative to rounding, the same kink
// report; through direct inputs (velocity), derived ones (mass → inverse mass and
// inertia, radius → size and mass) and a contact scalar.
import { describe, expect, it } from 'vitest';
import { forwardGradientOf, hasTangentForward } from '../../sim/forward-gradient.ts';
import { gradient } from '../../sim/gradient.ts';
import { sceneFunction } from '../../sim/scene-function.ts';
import { parseScene, type Scene } from '../../sim/scene.ts';
import { sceneAt } from '../../sim/validity.ts';
import { PathError } from '../../sim/errors.ts';
import { parseParamPath, pathBodies } from '../../sim/paths.ts';

/** A ball that lands on the ground and rolls into a resting box (plane–sphere, sphere–box, plane–box). */
function scene(mode: 'soft' | 'penalty' | 'hard', steps = 200): Scene {
  return parseScene({
    dt: 0.001,
    steps,
    gravity: [0, 0, -9.81],
    contact: { mode, stiffness: 1e4, friction: 0.5, restitution: 0.5 },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      {
        name: 'ball',
        shape: { type: 'sphere', radius: 0.1 },
        density: 500,
        position: [0, 0, 0.11],
        linearVelocity: [1.5, 0, -0.5],
      },
      {
        name: 'box',
        shape: { type: 'box', halfExtents: [0.1, 0.1, 0.1] },
        mass: 2,
        position: [0.3, 0.01, 0.099],
        orientation: [0.999, 0, 0, 0.04],
      },
    ],
  });
}

describe('forward-mode scene gradient', () => {
  it('equals free flight: d z(T) / d v_z(0) = T, d z(T) / d z(0) = 1', () => {
    // a ball far above the ground: z(T) = z0 + v T − g T²/2 (the integrator is exact in z for constant g)
    const s = parseScene({
      ...scene('soft', 100),
      bodies: [scene('soft').bodies[0], { ...scene('soft').bodies[1], position: [0, 0, 5] }],
    });
    const f = forwardGradientOf(s, 'ball.position.z', ['ball.linearVelocity.z', 'ball.position.z']);
    expect(f).not.toBeNull();
    const r = f!([-0.5, 5]);
    const T = s.dt * s.steps;
    expect(r.grad[0]).toBeCloseTo(T, 12);
    expect(r.grad[1]).toBeCloseTo(1, 12);
    expect(r.kinks).toEqual([]);
  });

  for (const mode of ['penalty', 'soft', 'hard'] as const) {
    for (const wrt of ['ball.linearVelocity.x', 'ball.mass', 'ball.radius', 'contact.stiffness', 'box.position.x']) {
      if (mode === 'hard' && wrt === 'contact.stiffness') continue; // hard contacts have no stiffness
      it(`${mode}: d box.position.x / d ${wrt} equals the reverse pass, with the same kinks`, () => {
        const s = scene(mode);
        const bodies = pathBodies(s);
        const of = 'box.position.x';
        const f = forwardGradientOf(s, of, [wrt], { kinkTol: 1e-2 });
        expect(f).not.toBeNull();
        const x0 =
          wrt === 'ball.mass'
            ? 2.1
            : wrt === 'ball.radius'
              ? 0.1
              : wrt === 'contact.stiffness'
                ? 1e4
                : wrt === 'box.position.x'
                  ? 0.3
                  : 1.5;
        const fwd = f!([x0]);
        const rev = gradient(sceneAt(s, [parseParamPath(wrt, bodies, '--wrt')], [x0]), of, [wrt], {
          kinkTol: 1e-2,
          validity: false,
        });
        expect(fwd.value).toBe(rev.value);
        // the ball reaches the box: the derivative is not trivially zero
        expect(Math.abs(rev.grad[wrt])).toBeGreaterThan(1e-8);
        expect(Math.abs(fwd.grad[0] - rev.grad[wrt])).toBeLessThanOrEqual(1e-9 * Math.abs(rev.grad[wrt]));
        expect(fwd.kinks).toEqual(rev.kinks.map((k) => ({ label: k.label, margin: k.margin })));
        expect(fwd.kinks.length).toBeGreaterThan(0);
      });
    }
  }

  it('every mode has a tangent-forward step (hard since sim/hard/stepper-tangent.ts); sceneFunction agrees with it', () => {
    expect(hasTangentForward(scene('hard'))).toBe(true);
    expect(hasTangentForward(scene('soft'))).toBe(true);
    const s = scene('hard', 120);
    const viaFunction = sceneFunction(s, 'box.position.x', ['ball.linearVelocity.x']).gradient([1.5]);
    const rev = gradient(s, 'box.position.x', ['ball.linearVelocity.x'], { validity: false });
    const g = rev.grad['ball.linearVelocity.x'];
    expect(Math.abs(viaFunction.grad[0] - g)).toBeLessThanOrEqual(1e-9 * Math.abs(g));
  });

  it('names a bad path before any work', () => {
    expect(() => forwardGradientOf(scene('soft'), 'ball.position.w', ['ball.mass'])).toThrow(/position/);
    expect(() => forwardGradientOf(scene('soft'), 'ball.position.z', ['ball.colour'])).toThrow(/colour/);
  });

  it('refuses a whole vector as --of with a PathError naming the path and its components, as the other callers do', () => {
    let err: unknown;
    try {
      forwardGradientOf(scene('soft'), 'ball.orientation', ['ball.mass']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PathError);
    const e = err as PathError;
    expect(e.text).toBe('ball.orientation');
    expect(e.issues[0].path).toBe('--of');
    expect(e.message).toMatch(/a forward gradient needs one number: name a component/);
    expect(e.choices).toEqual(['ball.orientation.w', 'ball.orientation.x', 'ball.orientation.y', 'ball.orientation.z']);
  });
});
