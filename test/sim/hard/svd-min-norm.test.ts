// sim/hard/svd-min-norm.ts, the redundant islands' minimum-norm path on flat arrays:
// - bitwise equal to ml-matrix's SingularValueDecomposition solve / inverse (the library it
//   replaces on that path) on full-rank, rank-deficient Delassus-like (J M⁻¹ Jᵀ, 12 × 12 of
//   rank 6, as a box's four corners) and sliding-like (non-symmetric) matrices, and on
//   sizes 1 to 30;
// - the Moore–Penrose conditions M M⁺ M = M, M⁺ M M⁺ = M⁺, (M M⁺)ᵀ = M M⁺, (M⁺ M)ᵀ = M⁺ M
//   on the rank-deficient ones, and the solve equal to M⁺ g (least squares, minimum norm).
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../ad/random.ts';
import { minNormSolve, pseudoInverse } from '../../../sim/hard/svd-min-norm.ts';

type Rng = ReturnType<typeof seededRng>;

function randomMatrix(rng: Rng, rows: number, cols: number): Float64Array {
  return Float64Array.from({ length: rows * cols }, () => rng.normal());
}

/** J M⁻¹ Jᵀ with J (n × d) random and M⁻¹ = diag(positive): rank min(n, d). */
function delassus(rng: Rng, n: number, d: number): Float64Array {
  const J = randomMatrix(rng, n, d);
  const invM = Float64Array.from({ length: d }, () => 0.2 + rng.uniform());
  const W = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += J[r * d + k] * invM[k] * J[c * d + k];
      W[r * n + c] = v;
    }
  return W;
}

/** Rows 1, 2 of every 3 replaced by a sliding contact's (I + μû e_nᵀ + scale·(I − ûûᵀ)W_t). */
function slidingRows(rng: Rng, W: Float64Array, n: number): Float64Array {
  const K = W.slice();
  for (let i = 0; 3 * i + 2 < n; i += 2) {
    const a = rng.normal(),
      b = rng.normal(),
      h = Math.hypot(a, b);
    const u1 = a / h,
      u2 = b / h,
      scale = rng.uniform();
    for (let r = 0; r < 2; r++) {
      const p0 = r === 0 ? 1 - u1 * u1 : -u2 * u1,
        p1 = r === 0 ? -u1 * u2 : 1 - u2 * u2;
      for (let c = 0; c < n; c++)
        K[(3 * i + 1 + r) * n + c] = scale * (p0 * W[(3 * i + 1) * n + c] + p1 * W[(3 * i + 2) * n + c]);
      K[(3 * i + 1 + r) * n + 3 * i + 1 + r] += 1;
      K[(3 * i + 1 + r) * n + 3 * i] += 0.5 * (r === 0 ? u1 : u2);
    }
  }
  return K;
}

function transpose(A: Float64Array, n: number): Float64Array {
  const T = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) T[c * n + r] = A[r * n + c];
  return T;
}

function toMatrix(A: Float64Array, n: number): Matrix {
  const M = new Matrix(n, n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) M.set(r, c, A[r * n + c]);
  return M;
}

function product(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += A[r * n + k] * B[k * n + c];
      C[r * n + c] = v;
    }
  return C;
}

function maxAbsDiff(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < A.length; i++) d = Math.max(d, Math.abs(A[i] - B[i]));
  return d;
}

function maxAbs(A: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < A.length; i++) d = Math.max(d, Math.abs(A[i]));
  return d;
}

/** The matrices of the cases: [M (row-major), n]. */
function cases(): [Float64Array, number][] {
  const rng = seededRng(41);
  const out: [Float64Array, number][] = [];
  for (let n = 1; n <= 30; n++) out.push([randomMatrix(rng, n, n), n]);
  for (let t = 0; t < 20; t++) {
    const W = delassus(rng, 12, 6);
    out.push([W, 12], [slidingRows(rng, W, 12), 12]);
    out.push([delassus(rng, 24, 12), 24], [delassus(rng, 9, 6), 9]);
  }
  return out;
}

describe('the minimum-norm SVD path on flat arrays', () => {
  it("is bitwise ml-matrix's solve and inverse", () => {
    const rng = seededRng(43);
    let compared = 0;
    for (const [M, n] of cases()) {
      const g = Float64Array.from({ length: n }, () => rng.normal());
      const reference = new SingularValueDecomposition(toMatrix(M, n), { autoTranspose: true });
      const w = minNormSolve(transpose(M, n), n, g, new Float64Array(n));
      expect(Array.from(w)).toEqual(reference.solve(Matrix.columnVector(Array.from(g))).getColumn(0));
      const pinv = pseudoInverse(transpose(M, n), n, new Float64Array(n * n));
      expect(Array.from(pinv)).toEqual(reference.inverse().to1DArray());
      compared++;
    }
    expect(compared).toBe(110);
  });

  it('satisfies the Moore–Penrose conditions on rank-deficient islands, and solves as M⁺g', () => {
    const rng = seededRng(47);
    for (let t = 0; t < 10; t++) {
      const n = 12;
      for (const M of [delassus(rng, n, 6), slidingRows(rng, delassus(rng, n, 6), n)]) {
        const P = pseudoInverse(transpose(M, n), n, new Float64Array(n * n));
        const scale = maxAbs(M),
          pScale = maxAbs(P);
        expect(maxAbsDiff(product(product(M, P, n), M, n), M)).toBeLessThan(1e-12 * scale);
        expect(maxAbsDiff(product(product(P, M, n), P, n), P)).toBeLessThan(1e-12 * pScale * pScale * scale);
        const MP = product(M, P, n),
          PM = product(P, M, n);
        expect(maxAbsDiff(MP, transpose(MP, n))).toBeLessThan(1e-12);
        expect(maxAbsDiff(PM, transpose(PM, n))).toBeLessThan(1e-12);
        const g = Float64Array.from({ length: n }, () => rng.normal());
        const w = minNormSolve(transpose(M, n), n, g, new Float64Array(n));
        const pg = new Float64Array(n);
        for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) pg[r] += P[r * n + c] * g[c];
        expect(maxAbsDiff(w, pg)).toBeLessThan(1e-12 * maxAbs(pg));
      }
    }
  });
});
