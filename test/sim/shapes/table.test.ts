// The shape table (sim/shapes/), row by row: every test here runs over every row, so a new
// kind of shape is checked by adding its row (and, for a solid, its closed form below).
// Truth from outside the rows: textbook volumes and moments written here independently,
// a seeded Monte-Carlo integral of the row's indicator, surface points found by bisecting
// that indicator along rays, and the scene's own parse/build for the parameter paths.
import { describe, expect, it } from 'vitest';
import { buildModel, massOfBody } from '../../../sim/builder.ts';
import { paramPaths, parseParamPath, pathBodies, readParam, writeParam } from '../../../sim/paths.ts';
import { parseScene } from '../../../sim/scene.ts';
import { GEOM_SIZE_WIDTH, SHAPE_NAMES, SHAPE_ROWS, ShapeType } from '../../../sim/shapes.ts';
import type { ShapeRow, SolidRow } from '../../../sim/shapes/row.ts';
import { sizeWidth } from '../../../sim/shapes/table.ts';
import { mulberry32 } from '../../seeded-random.ts';

type V3 = [number, number, number];

/**
 * Textbook volumes and moments per unit mass (body frame, axis of symmetry z), written here
 * without reading the rows: a row without an entry fails the closed-form test.
 */
const CLOSED_FORM: Record<string, (size: number[]) => { volume: number; perMass: V3 }> = {
  sphere: ([r]) => ({ volume: (4 / 3) * Math.PI * r ** 3, perMass: [0.4 * r * r, 0.4 * r * r, 0.4 * r * r] }),
  // full sides a, b, c: m (b² + c²)/12 and cyclically
  box: ([hx, hy, hz]) => {
    const [a, b, c] = [2 * hx, 2 * hy, 2 * hz];
    return { volume: a * b * c, perMass: [(b * b + c * c) / 12, (a * a + c * c) / 12, (a * a + b * b) / 12] };
  },
  // length H: m (3r² + H²)/12 across, m r²/2 along
  cylinder: ([r, h]) => {
    const H = 2 * h;
    const t = (3 * r * r + H * H) / 12;
    return { volume: Math.PI * r * r * H, perMass: [t, t, (r * r) / 2] };
  },
  // a cylinder plus two hemispheres of the same density. A solid hemisphere's moment about a
  // diameter of its flat face is 2/5 m r² (half a ball); its centroid sits 3r/8 from that
  // face, so about the parallel axis through the capsule's centre (distance h + 3r/8):
  // m (2/5 r² − (3r/8)² + (h + 3r/8)²)
  capsule: ([r, h]) => {
    const cyl = Math.PI * r * r * 2 * h;
    const hemi = (2 / 3) * Math.PI * r ** 3;
    const volume = cyl + 2 * hemi;
    const across =
      cyl * ((3 * r * r + 4 * h * h) / 12) + 2 * hemi * (0.4 * r * r - (9 * r * r) / 64 + (h + (3 * r) / 8) ** 2);
    const along = (cyl * (r * r)) / 2 + 2 * hemi * 0.4 * r * r;
    return { volume, perMass: [across / volume, across / volume, along / volume] };
  },
};

/** Two sizes per solid row (each size field 0.05 … 0.5 m), drawn from a fixed seed. */
function sizesOf(row: ShapeRow, seed: number): number[][] {
  const rng = mulberry32(seed);
  const width = sizeWidth(row);
  return [0, 1].map(() => Array.from({ length: width }, () => 0.05 + 0.45 * rng()));
}

const SOLIDS = (SHAPE_ROWS as readonly ShapeRow[]).filter((r): r is ShapeRow & { solid: SolidRow } => r.solid !== null);

/** A geomSize row (GEOM_SIZE_WIDTH floats) holding `size`. */
function geom(size: number[]): Float64Array {
  const g = new Float64Array(GEOM_SIZE_WIDTH);
  g.set(size);
  return g;
}

/** Unit directions: the 26 of the {−1, 0, 1}³ lattice (axes, edges, corners) and `n` random ones. */
function directions(n: number, seed: number): V3[] {
  const out: V3[] = [];
  for (let x = -1; x <= 1; x++)
    for (let y = -1; y <= 1; y++)
      for (let z = -1; z <= 1; z++) {
        const l = Math.hypot(x, y, z);
        if (l > 0) out.push([x / l, y / l, z / l]);
      }
  const rng = mulberry32(seed);
  while (out.length < 26 + n) {
    const v: V3 = [2 * rng() - 1, 2 * rng() - 1, 2 * rng() - 1];
    const l = Math.hypot(...v);
    if (l > 1e-3 && l <= 1) out.push([v[0] / l, v[1] / l, v[2] / l]);
  }
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

function supportOf(solid: SolidRow, size: Float64Array, d: V3): V3 {
  const out = new Float64Array(3);
  solid.support(size, 0, d, out);
  return [out[0], out[1], out[2]];
}

/** The surface point of a solid along the ray from its centre in direction u, by bisecting `contains`. */
function surfaceAlong(solid: SolidRow, size: Float64Array, u: V3, reach: number): V3 {
  let lo = 0,
    hi = 2 * reach;
  for (let k = 0; k < 60; k++) {
    const t = 0.5 * (lo + hi);
    if (solid.contains(size, 0, t * u[0], t * u[1], t * u[2])) lo = t;
    else hi = t;
  }
  return [lo * u[0], lo * u[1], lo * u[2]];
}

describe('shape table', () => {
  it('lists each kind once, its index its ShapeType code, the size fields fitting geomSize', () => {
    expect(new Set(SHAPE_NAMES).size).toBe(SHAPE_ROWS.length);
    SHAPE_ROWS.forEach((row, code) => {
      expect(ShapeType[row.name]).toBe(code);
      expect(SHAPE_NAMES[code]).toBe(row.name);
      expect(sizeWidth(row as ShapeRow)).toBeLessThanOrEqual(GEOM_SIZE_WIDTH);
    });
  });

  describe.each(SOLIDS.map((row, i) => [row.name, row, i] as const))('%s', (name, row, index) => {
    const solid = row.solid;
    const sizes = sizesOf(row, 1000 + index);

    it('volume and moments match the textbook closed form (relative 1e-12)', () => {
      const closed = CLOSED_FORM[name];
      expect(closed, `write ${name}'s closed form in CLOSED_FORM`).toBeDefined();
      for (const size of sizes) {
        const { volume, perMass } = closed(size);
        expect(Math.abs((solid.volume(size) as number) - volume)).toBeLessThanOrEqual(1e-12 * volume);
        const m = 2.5;
        const moments = solid.moments(m, size) as number[];
        for (let k = 0; k < 3; k++)
          expect(Math.abs(moments[k] - m * perMass[k])).toBeLessThanOrEqual(1e-12 * m * perMass[k]);
      }
    });

    it('volume and moments match a Monte-Carlo integral of the indicator (seeded, within 4 standard errors)', () => {
      // N points uniform in the box [−R, R]³ about the centre, R the bounding radius: the
      // integral of f over the solid is (2R)³ mean(f·1_inside), standard error (2R)³ std/√N
      const N = 100_000;
      for (const size of sizes) {
        const g = geom(size);
        const R = solid.boundingRadius(g, 0);
        const boxVolume = (2 * R) ** 3;
        const rng = mulberry32(7 + index);
        // sums of 1, x²+… (the moments' integrands) and the products xy, xz, yz, and their squares
        const sum = new Float64Array(7),
          sumSq = new Float64Array(7);
        for (let n = 0; n < N; n++) {
          const x = R * (2 * rng() - 1),
            y = R * (2 * rng() - 1),
            z = R * (2 * rng() - 1);
          if (!solid.contains(g, 0, x, y, z)) continue;
          const f = [1, y * y + z * z, x * x + z * z, x * x + y * y, x * y, x * z, y * z];
          for (let k = 0; k < 7; k++) {
            sum[k] += f[k];
            sumSq[k] += f[k] * f[k];
          }
        }
        const estimate = (k: number) => (boxVolume * sum[k]) / N;
        const stdErr = (k: number) => {
          const mean = sum[k] / N;
          return (boxVolume * Math.sqrt(Math.max(0, sumSq[k] / N - mean * mean))) / Math.sqrt(N);
        };
        const volume = solid.volume(size) as number;
        expect(Math.abs(estimate(0) - volume)).toBeLessThanOrEqual(4 * stdErr(0));
        // density 1: mass = volume, so the moment integrals are the moments at that mass
        const moments = solid.moments(volume, size) as number[];
        for (let k = 0; k < 3; k++)
          expect(Math.abs(estimate(1 + k) - moments[k])).toBeLessThanOrEqual(4 * stdErr(1 + k));
        // principal axes: the products of inertia vanish
        for (let k = 4; k < 7; k++) expect(Math.abs(estimate(k))).toBeLessThanOrEqual(4 * stdErr(k));
      }
    });

    it('support function: on the surface, beyond every sampled surface point, and reached by them', () => {
      for (const size of sizes) {
        const g = geom(size);
        const R = solid.boundingRadius(g, 0);
        const surface = directions(4000, 11 + index).map((u) => surfaceAlong(solid, g, u, R));
        const eps = 1e-9 * R;
        for (const d of directions(200, 23 + index)) {
          const s = supportOf(solid, g, d);
          // s is a point of the solid and nothing lies beyond it along d
          expect(solid.contains(g, 0, s[0] - eps * d[0], s[1] - eps * d[1], s[2] - eps * d[2])).toBe(true);
          expect(solid.contains(g, 0, s[0] + 1e-6 * R * d[0], s[1] + 1e-6 * R * d[1], s[2] + 1e-6 * R * d[2])).toBe(
            false,
          );
          const h = dot(s, d);
          let best = -Infinity;
          for (const p of surface) best = Math.max(best, dot(p, d));
          expect(best).toBeLessThanOrEqual(h + eps);
          // 4026 rays, about √(4π/4026) ≈ 0.056 rad apart: the farthest sampled point falls short by a
          // few per cent of R (3.8 % at worst here, near a box corner); a support point at the wrong
          // place on the surface misses by more
          expect(h - best).toBeLessThanOrEqual(0.05 * R);
        }
      }
    });

    it('bounding radius holds the support in every direction and is reached; half thickness is the least support', () => {
      for (const size of sizes) {
        const g = geom(size);
        const R = solid.boundingRadius(g, 0);
        const inner = solid.halfThickness(g, 0);
        let farthest = 0,
          nearest = Infinity;
        for (const d of directions(2000, 31 + index)) {
          const s = supportOf(solid, g, d);
          farthest = Math.max(farthest, Math.hypot(...s));
          nearest = Math.min(nearest, dot(s, d));
        }
        expect(farthest).toBeLessThanOrEqual(R * (1 + 1e-12));
        expect(farthest).toBeGreaterThanOrEqual(R * (1 - 1e-12));
        // the ball of radius `inner` fits inside (support ≥ inner everywhere), and no larger one
        expect(nearest).toBeGreaterThanOrEqual(inner * (1 - 1e-12));
        expect(nearest).toBeLessThanOrEqual(inner * (1 + 1e-12));
      }
    });

    it("surface size rates are the support function's derivative along each size (central differences)", () => {
      // at the support point p along a unit d (d is in the normal cone there), the support
      // h(d) = d·p moves with size k at d·∂p/∂size_k: what surfaceSizeRates(p, m = d) says
      const out = new Float64Array(GEOM_SIZE_WIDTH);
      const width = sizeWidth(row as ShapeRow);
      for (const size of sizes) {
        const g = geom(size);
        for (const d of directions(200, 51 + index)) {
          solid.surfaceSizeRates(g, 0, supportOf(solid, g, d), d, out);
          for (let k = 0; k < GEOM_SIZE_WIDTH; k++) {
            let expected = 0;
            if (k < width) {
              const step = 1e-6 * g[k];
              const up = g.slice(),
                down = g.slice();
              up[k] += step;
              down[k] -= step;
              expected = (dot(supportOf(solid, up, d), d) - dot(supportOf(solid, down, d), d)) / (2 * step);
            }
            expect(Math.abs(out[k] - expected), `${name} size ${k} along ${d}`).toBeLessThan(1e-8);
          }
        }
      }
    });

    it('broadphase half widths are the support along each world axis of the posed solid', () => {
      const rng = mulberry32(41 + index);
      for (const size of sizes) {
        const g = geom(size);
        for (let trial = 0; trial < 20; trial++) {
          const q = [2 * rng() - 1, 2 * rng() - 1, 2 * rng() - 1, 2 * rng() - 1];
          const l = Math.hypot(...q);
          const [w, x, y, z] = q.map((v) => v / l);
          // rotation matrix rows: world axis k in body coordinates is row k of R (Rᵀ e_k)
          const rows: V3[] = [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
          ];
          const out = new Float64Array(3);
          solid.aabbHalfWidths(g, 0, Float64Array.of(w, x, y, z), 0, out);
          for (let k = 0; k < 3; k++) {
            const expected = dot(supportOf(solid, g, rows[k]), rows[k]);
            expect(Math.abs(out[k] - expected)).toBeLessThanOrEqual(1e-12 * solid.boundingRadius(g, 0));
          }
        }
      }
    });
  });

  describe.each(SHAPE_ROWS.map((row) => [row.name, row as ShapeRow] as const))('%s parameter paths', (name, row) => {
    it('name each size field, read the scene value, and write through parse and build', () => {
      const rng = mulberry32(53);
      const raw = sizesOf(row, 61)[0];
      const shape: Record<string, unknown> = { type: name };
      let k = 0;
      for (const f of row.sizeFields) {
        shape[f.field] = f.width === 1 ? raw[k] : raw.slice(k, k + f.width);
        k += f.width;
      }
      const ground = { name: 'ground', shape: { type: 'plane' } };
      const body =
        row.solid === null ? { name: 'it', shape } : { name: 'it', shape, density: 800, position: [0, 0, 2] };
      const bodies =
        row.solid === null ? [body, { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1 }] : [ground, body];
      const scene = parseScene({ bodies });
      const b = scene.bodies.findIndex((x) => x.name === 'it');
      const names = pathBodies(scene);
      const expectedPaths = row.sizeFields.flatMap((f) =>
        f.width === 1 ? [`it.${f.field}`] : ['x', 'y', 'z'].map((c) => `it.${f.field}.${c}`),
      );
      const sizePaths = paramPaths(names).filter((p) => expectedPaths.includes(p));
      expect(sizePaths).toEqual(expectedPaths);
      sizePaths.forEach((text, slot) => {
        const p = parseParamPath(text, names);
        expect(readParam(scene, p)).toBe(raw[slot]);
        const value = raw[slot] * (1.1 + 0.2 * rng());
        const changed = parseScene(JSON.parse(JSON.stringify(writeParam(scene, p, value))));
        expect(readParam(changed, parseParamPath(text, pathBodies(changed)))).toBe(value);
        const model = buildModel(changed);
        const stored = model.geomSize.subarray(GEOM_SIZE_WIDTH * b, GEOM_SIZE_WIDTH * b + GEOM_SIZE_WIDTH);
        const expected = [...raw];
        expected[slot] = value;
        if (row.solid !== null) {
          // a solid stores its size as given, and its mass follows its volume at the given density
          expect([...stored.subarray(0, expected.length)]).toEqual(expected);
          expect(massOfBody(changed.bodies[b])).toBe(800 * (row.solid.volume(expected) as number));
        } else {
          // the plane stores a unit normal and the offset over the normal's length
          const length = Math.hypot(expected[0], expected[1], expected[2]);
          for (let c = 0; c < 4; c++) expect(stored[c]).toBeCloseTo(expected[c] / length, 14);
        }
      });
    });
  });
});
