/**
 * The minimum-norm solution and the pseudo-inverse of a small square matrix by its SVD,
 * on flat Float64Arrays in module scratch: the path a redundant island of the impulse
 * solve takes (a box's four corners on a plane: more constraint rows than degrees of
 * freedom), once per such island per step in both the adjoint (impulse-adjoint.ts) and
 * the tangent (impulse-tangent.ts).
 *
 * The arithmetic is ml-matrix's `SingularValueDecomposition` (Golub–Kahan–Reinsch, the
 * JAMA algorithm; ml-matrix keeps the working matrix and U, V transposed) and its
 * `solve` / `inverse`, operation for operation in the same order, so the results are
 * bitwise ml-matrix's (test/sim/hard/svd-min-norm.test.ts compares them). ml-matrix
 * builds a dozen Matrix objects per call, whose allocation cost ~10× the arithmetic on a
 * 12 × 12 island: on the 100-box pile in hard mode that was 77 % of the gradient.
 *
 * Singular values at most (ε/2)·n·σ₁ count as zero (ml-matrix's `threshold`).
 */

/** ml-matrix's `hypotenuse`: √(a² + b²) without overflow, its exact operations. */
function hypotenuse(a: number, b: number): number {
  if (Math.abs(a) > Math.abs(b)) {
    const r = b / a;
    return Math.abs(a) * Math.sqrt(1 + r * r);
  }
  if (b !== 0) {
    const r = a / b;
    return Math.abs(b) * Math.sqrt(1 + r * r);
  }
  return 0;
}

/**
 * Scratch of the last decomposition: `s` the singular values (descending), `Ut`, `Vt`
 * row-major n × n with Ut[j·n + i] = U(i, j), Vt[j·n + i] = V(i, j) (ml-matrix's storage
 * while it computes); `A` the working copy.
 */
const svd = {
  n: 0,
  A: new Float64Array(0),
  Ut: new Float64Array(0),
  Vt: new Float64Array(0),
  s: new Float64Array(0),
  e: new Float64Array(0),
  work: new Float64Array(0),
  /** the product V Σ⁺ Uᵀ (solve) and V Σ⁺ (its first factor) */
  VL: new Float64Array(0),
  VLU: new Float64Array(0),
};

function ensure(n: number): void {
  if (svd.s.length >= n) return;
  const cap = Math.max(n, 2 * svd.s.length);
  svd.A = new Float64Array(cap * cap);
  svd.Ut = new Float64Array(cap * cap);
  svd.Vt = new Float64Array(cap * cap);
  svd.VL = new Float64Array(cap * cap);
  svd.VLU = new Float64Array(cap * cap);
  svd.s = new Float64Array(cap);
  svd.e = new Float64Array(cap);
  svd.work = new Float64Array(cap);
}

/**
 * The SVD of the n × n matrix M given as its transpose `mt` (row-major: mt[j·n + i] =
 * M(i, j)), into the module scratch.
 */
function decompose(mt: ArrayLike<number>, n: number): void {
  ensure(n);
  const m = n;
  const A = svd.A,
    U = svd.Ut,
    V = svd.Vt,
    s = svd.s,
    e = svd.e,
    work = svd.work;
  for (let i = 0; i < n * n; i++) {
    A[i] = mt[i];
    U[i] = 0;
    V[i] = 0;
  }
  for (let i = 0; i < n; i++) {
    s[i] = 0;
    e[i] = 0;
    work[i] = 0;
  }
  const nu = n;
  const nct = Math.min(m - 1, n);
  const nrt = Math.max(0, Math.min(n - 2, m));
  const mrc = Math.max(nct, nrt);

  for (let k = 0; k < mrc; k++) {
    if (k < nct) {
      s[k] = 0;
      for (let i = k; i < m; i++) s[k] = hypotenuse(s[k], A[k * n + i]);
      if (s[k] !== 0) {
        if (A[k * n + k] < 0) s[k] = -s[k];
        for (let i = k; i < m; i++) A[k * n + i] = A[k * n + i] / s[k];
        A[k * n + k] = A[k * n + k] + 1;
      }
      s[k] = -s[k];
    }
    for (let j = k + 1; j < n; j++) {
      if (k < nct && s[k] !== 0) {
        let t = 0;
        for (let i = k; i < m; i++) t += A[k * n + i] * A[j * n + i];
        t = -t / A[k * n + k];
        for (let i = k; i < m; i++) A[j * n + i] = A[j * n + i] + t * A[k * n + i];
      }
      e[j] = A[j * n + k];
    }
    if (k < nct) for (let i = k; i < m; i++) U[k * n + i] = A[k * n + i];
    if (k < nrt) {
      e[k] = 0;
      for (let i = k + 1; i < n; i++) e[k] = hypotenuse(e[k], e[i]);
      if (e[k] !== 0) {
        if (e[k + 1] < 0) e[k] = 0 - e[k];
        for (let i = k + 1; i < n; i++) e[i] /= e[k];
        e[k + 1] += 1;
      }
      e[k] = -e[k];
      if (k + 1 < m && e[k] !== 0) {
        for (let i = k + 1; i < m; i++) work[i] = 0;
        for (let i = k + 1; i < m; i++) for (let j = k + 1; j < n; j++) work[i] += e[j] * A[j * n + i];
        for (let j = k + 1; j < n; j++) {
          const t = -e[j] / e[k + 1];
          for (let i = k + 1; i < m; i++) A[j * n + i] = A[j * n + i] + t * work[i];
        }
      }
      for (let i = k + 1; i < n; i++) V[k * n + i] = e[i];
    }
  }

  let p = Math.min(n, m + 1);
  if (nct < n) s[nct] = A[nct * n + nct];
  if (m < p) s[p - 1] = 0;
  if (nrt + 1 < p) e[nrt] = A[(p - 1) * n + nrt];
  e[p - 1] = 0;

  for (let j = nct; j < nu; j++) {
    for (let i = 0; i < m; i++) U[j * n + i] = 0;
    U[j * n + j] = 1;
  }
  for (let k = nct - 1; k >= 0; k--) {
    if (s[k] !== 0) {
      for (let j = k + 1; j < nu; j++) {
        let t = 0;
        for (let i = k; i < m; i++) t += U[k * n + i] * U[j * n + i];
        t = -t / U[k * n + k];
        for (let i = k; i < m; i++) U[j * n + i] = U[j * n + i] + t * U[k * n + i];
      }
      for (let i = k; i < m; i++) U[k * n + i] = -U[k * n + i];
      U[k * n + k] = 1 + U[k * n + k];
      for (let i = 0; i < k - 1; i++) U[k * n + i] = 0;
    } else {
      for (let i = 0; i < m; i++) U[k * n + i] = 0;
      U[k * n + k] = 1;
    }
  }

  for (let k = n - 1; k >= 0; k--) {
    if (k < nrt && e[k] !== 0) {
      for (let j = k + 1; j < n; j++) {
        let t = 0;
        for (let i = k + 1; i < n; i++) t += V[k * n + i] * V[j * n + i];
        t = -t / V[k * n + k + 1];
        for (let i = k + 1; i < n; i++) V[j * n + i] = V[j * n + i] + t * V[k * n + i];
      }
    }
    for (let i = 0; i < n; i++) V[k * n + i] = 0;
    V[k * n + k] = 1;
  }

  const pp = p - 1;
  const eps = Number.EPSILON;
  while (p > 0) {
    let k: number, kase: number;
    for (k = p - 2; k >= -1; k--) {
      if (k === -1) break;
      const alpha = Number.MIN_VALUE + eps * Math.abs(s[k] + Math.abs(s[k + 1]));
      if (Math.abs(e[k]) <= alpha || Number.isNaN(e[k])) {
        e[k] = 0;
        break;
      }
    }
    if (k === p - 2) {
      kase = 4;
    } else {
      let ks: number;
      for (ks = p - 1; ks >= k; ks--) {
        if (ks === k) break;
        const t = (ks !== p ? Math.abs(e[ks]) : 0) + (ks !== k + 1 ? Math.abs(e[ks - 1]) : 0);
        if (Math.abs(s[ks]) <= eps * t) {
          s[ks] = 0;
          break;
        }
      }
      if (ks === k) kase = 3;
      else if (ks === p - 1) kase = 1;
      else {
        kase = 2;
        k = ks;
      }
    }
    k++;
    switch (kase) {
      case 1: {
        let f = e[p - 2];
        e[p - 2] = 0;
        for (let j = p - 2; j >= k; j--) {
          let t = hypotenuse(s[j], f);
          const cs = s[j] / t;
          const sn = f / t;
          s[j] = t;
          if (j !== k) {
            f = -sn * e[j - 1];
            e[j - 1] = cs * e[j - 1];
          }
          for (let i = 0; i < n; i++) {
            t = cs * V[j * n + i] + sn * V[(p - 1) * n + i];
            V[(p - 1) * n + i] = -sn * V[j * n + i] + cs * V[(p - 1) * n + i];
            V[j * n + i] = t;
          }
        }
        break;
      }
      case 2: {
        let f = e[k - 1];
        e[k - 1] = 0;
        for (let j = k; j < p; j++) {
          let t = hypotenuse(s[j], f);
          const cs = s[j] / t;
          const sn = f / t;
          s[j] = t;
          f = -sn * e[j];
          e[j] = cs * e[j];
          for (let i = 0; i < m; i++) {
            t = cs * U[j * n + i] + sn * U[(k - 1) * n + i];
            U[(k - 1) * n + i] = -sn * U[j * n + i] + cs * U[(k - 1) * n + i];
            U[j * n + i] = t;
          }
        }
        break;
      }
      case 3: {
        const scale = Math.max(
          Math.abs(s[p - 1]),
          Math.abs(s[p - 2]),
          Math.abs(e[p - 2]),
          Math.abs(s[k]),
          Math.abs(e[k]),
        );
        const sp = s[p - 1] / scale;
        const spm1 = s[p - 2] / scale;
        const epm1 = e[p - 2] / scale;
        const sk = s[k] / scale;
        const ek = e[k] / scale;
        const b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
        const c = sp * epm1 * (sp * epm1);
        let shift = 0;
        if (b !== 0 || c !== 0) {
          if (b < 0) shift = 0 - Math.sqrt(b * b + c);
          else shift = Math.sqrt(b * b + c);
          shift = c / (b + shift);
        }
        let f = (sk + sp) * (sk - sp) + shift;
        let g = sk * ek;
        for (let j = k; j < p - 1; j++) {
          let t = hypotenuse(f, g);
          if (t === 0) t = Number.MIN_VALUE;
          let cs = f / t;
          let sn = g / t;
          if (j !== k) e[j - 1] = t;
          f = cs * s[j] + sn * e[j];
          e[j] = cs * e[j] - sn * s[j];
          g = sn * s[j + 1];
          s[j + 1] = cs * s[j + 1];
          for (let i = 0; i < n; i++) {
            t = cs * V[j * n + i] + sn * V[(j + 1) * n + i];
            V[(j + 1) * n + i] = -sn * V[j * n + i] + cs * V[(j + 1) * n + i];
            V[j * n + i] = t;
          }
          t = hypotenuse(f, g);
          if (t === 0) t = Number.MIN_VALUE;
          cs = f / t;
          sn = g / t;
          s[j] = t;
          f = cs * e[j] + sn * s[j + 1];
          s[j + 1] = -sn * e[j] + cs * s[j + 1];
          g = sn * e[j + 1];
          e[j + 1] = cs * e[j + 1];
          if (j < m - 1) {
            for (let i = 0; i < m; i++) {
              t = cs * U[j * n + i] + sn * U[(j + 1) * n + i];
              U[(j + 1) * n + i] = -sn * U[j * n + i] + cs * U[(j + 1) * n + i];
              U[j * n + i] = t;
            }
          }
        }
        e[p - 2] = f;
        break;
      }
      default: {
        // 4: convergence
        if (s[k] <= 0) {
          s[k] = s[k] < 0 ? -s[k] : 0;
          for (let i = 0; i <= pp; i++) V[k * n + i] = -V[k * n + i];
        }
        while (k < pp) {
          if (s[k] >= s[k + 1]) break;
          let t = s[k];
          s[k] = s[k + 1];
          s[k + 1] = t;
          if (k < n - 1) {
            for (let i = 0; i < n; i++) {
              t = V[(k + 1) * n + i];
              V[(k + 1) * n + i] = V[k * n + i];
              V[k * n + i] = t;
            }
          }
          if (k < m - 1) {
            for (let i = 0; i < m; i++) {
              t = U[(k + 1) * n + i];
              U[(k + 1) * n + i] = U[k * n + i];
              U[k * n + i] = t;
            }
          }
          k++;
        }
        p--;
        break;
      }
    }
  }
  svd.n = n;
}

/** ml-matrix's `threshold`: singular values at most this count as zero. */
function threshold(n: number): number {
  return (Number.EPSILON / 2) * n * svd.s[0];
}

/**
 * w = M⁺ g, the minimum-norm least-squares solution of M w = g, for the n × n matrix M
 * given as its transpose `mt` (so `mt` = K solves Kᵀw = g), into `out` (length ≥ n).
 * Bitwise `new SingularValueDecomposition(M, { autoTranspose: true }).solve(g)`.
 */
export function minNormSolve(mt: ArrayLike<number>, n: number, g: ArrayLike<number>, out: Float64Array): Float64Array {
  decompose(mt, n);
  const { s, Ut, Vt, VL, VLU } = svd;
  const e = threshold(n);
  // VL = V·Ls (Ls diagonal: 1/σ or 0), its sum over k the one nonzero term (or +0)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const l = Math.abs(s[j]) <= e ? 0 : 1 / s[j];
      let sum = 0;
      for (let k = 0; k < n; k++) sum += Vt[k * n + i] * (k === j ? l : 0);
      VL[i * n + j] = sum;
    }
  }
  // VLU = VL·Uᵀ, then VLU·g
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += VL[i * n + k] * Ut[k * n + j];
      VLU[i * n + j] = sum;
    }
  }
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += VLU[i * n + k] * g[k];
    out[i] = sum;
  }
  return out;
}

/**
 * M⁺ (row-major, into `out`) of the n × n matrix M given as its transpose `mt`. Bitwise
 * `new SingularValueDecomposition(M, { autoTranspose: true }).inverse()`.
 */
export function pseudoInverse(mt: ArrayLike<number>, n: number, out: Float64Array): Float64Array {
  decompose(mt, n);
  const { s, Ut, Vt, VL } = svd;
  const e = threshold(n);
  // X = V Σ⁺ (zero where σ is), then X·Uᵀ
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) VL[i * n + j] = Math.abs(s[j]) > e ? Vt[j * n + i] / s[j] : 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += VL[i * n + k] * Ut[k * n + j];
      out[i * n + j] = sum;
    }
  }
  return out;
}
