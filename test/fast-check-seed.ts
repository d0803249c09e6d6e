// Property tests (fast-check) draw their cases from one seed per run. `npm test` uses a
// fixed seed so that main stays green or red for a reason in the code, not in the draw:
// a random seed once failed CI on a configuration the test's own oracle could not judge
// (a tie in the box–capsule narrowphase). Exploring is one variable away:
//   FC_SEED=random npm run test:unit    a fresh seed, printed with any counterexample
//   FC_SEED=-1018377480 npm test        replay a reported seed
import fc from 'fast-check';

const FIXED_SEED = 20261207;
const requested = process.env.FC_SEED;
if (requested !== 'random') {
  const seed = requested === undefined || requested === '' ? FIXED_SEED : Number(requested);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or 'random', got '${requested}'`);
  fc.configureGlobal({ seed });
}
