// A gradient through sorting with the relaxations: L(x) = Σᵢ wᵢ·(x sorted descending)ᵢ.
// The hard sort is piecewise linear: away from ties ∂L/∂xⱼ is the weight of xⱼ's rank, and
// its gradient carries no information about near-swaps. ad.softSort (NeuralSort) is smooth
// at every temperature τ and tends to the hard sort as τ → 0, within (n − 1)·e^(−δ/τ)·(max − min)
// for a smallest gap δ between inputs. Run: node soft-sort.mjs
import { ad } from 'diffcontact';

const x = [0.3, 1.7, -0.4, 0.9];
const w = [4, 3, 2, 1]; // the weight of the largest, second largest, … input

const weightedSorted = (tau) => (xs) => ad.sum(ad.softSort(xs, tau).map((s, i) => ad.mul(w[i], s)));

// the hard sort's value and gradient: each input gets the weight of its rank
const order = x.map((_, j) => j).sort((a, b) => x[b] - x[a]);
const hardValue = order.reduce((acc, j, i) => acc + w[i] * x[j], 0);
const hardGrad = x.map((_, j) => w[order.indexOf(j)]);

const soft = [0.5, 0.1, 0.02].map((tau) => {
  const { value, grad } = ad.valueAndGrad(weightedSorted(tau), x);
  return { tau, value, grad };
});

console.log(JSON.stringify({ hardValue, hardGrad, soft }, null, 2));
