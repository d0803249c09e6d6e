// Implicit differentiation with ad.customRoot: the gradient of a root found by Newton's
// method without differentiating Newton's iterations. Kepler's equation E − e·sin E = M
// gives the eccentric anomaly E of an orbit of eccentricity e at mean anomaly M; its
// derivatives are known in closed form: ∂E/∂M = 1/(1 − e·cos E), ∂E/∂e = sin E/(1 − e·cos E).
// Run: node implicit-kepler.mjs
import { ad } from 'diffcontact';

/** Newton on plain numbers: any solver works, the AD core never sees its iterations. */
function solveKepler([M, e]) {
  let E = M;
  for (let k = 0; k < 50; k++) E -= (E - e * Math.sin(E) - M) / (1 - e * Math.cos(E));
  return [E];
}

// the optimality condition F(E; M, e) = E − e·sin E − M = 0, written with ad ops
const eccentricAnomaly = ad.customRoot(([E], [M, e]) => [ad.sub(ad.sub(E, ad.mul(e, ad.sin(E))), M)], solveKepler, {
  name: 'kepler',
});

// the same root as a fixed point E = M + e·sin E (ad.customFixedPoint)
const viaFixedPoint = ad.customFixedPoint(([E], [M, e]) => [ad.add(M, ad.mul(e, ad.sin(E)))], solveKepler, {
  name: 'kepler-fixed-point',
});

const [M, e] = [1.2, 0.6];
const root = ad.valueAndGrad(([m, ecc]) => eccentricAnomaly([m, ecc])[0], [M, e]);
const fixedPoint = ad.valueAndGrad(([m, ecc]) => viaFixedPoint([m, ecc])[0], [M, e]);
const E = root.value;
const closedForm = [1 / (1 - e * Math.cos(E)), Math.sin(E) / (1 - e * Math.cos(E))];

console.log(
  JSON.stringify(
    { E, residual: E - e * Math.sin(E) - M, grad: root.grad, fixedPointGrad: fixedPoint.grad, closedForm },
    null,
    2,
  ),
);
