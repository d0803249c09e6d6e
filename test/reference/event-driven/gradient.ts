/**
 * Gradients of the event-driven map by central differences: the final state is a smooth
 * function of the scene's numbers as long as the event structure (which features touch, in
 * which order, sticking or sliding) stays the same, so (f(p + h) − f(p − h)) / 2h with
 * h = 1e-6·max(1, |p|) differentiates it to ~1e-8 (the reference's own noise, ~1e-14 in
 * event times and states, divided by h). When the structure at p ± h differs from the one
 * at p, the difference straddles a kink: the parameter is listed in `structureChanges`
 * and its column is not a derivative.
 *
 * Paths are those of docs/paths.md, on the reference's scene input: parameters
 * `<body>.position|linearVelocity|angularVelocity.<x|y|z>` and `<body>.mass|friction|restitution`;
 * quantities `<body>.position|linearVelocity|angularVelocity.<x|y|z>` and
 * `<body>.orientation.<w|x|y|z>` of the final state.
 */
import { readWorld, type RefBodyInput, type RefSceneInput, type RefState } from './scene.ts';
import { simulateEvents, type RefResult } from './simulate.ts';

const VECTOR_PARAMS = ['position', 'linearVelocity', 'angularVelocity'] as const;
const SCALAR_PARAMS = ['mass', 'friction', 'restitution'] as const;
const AXES = 'xyz';

export interface ReferenceGradient {
  /** the quantities at the scene's own parameters */
  value: number[];
  /** grad[i][j] = d of[i] / d wrt[j] */
  grad: number[][];
  /** parameters whose ± evaluations changed the event structure (with the two structures) */
  structureChanges: { param: string; minus: string; plus: string; base: string }[];
  base: RefResult;
}

/** The event structure of a run: features, order and regimes, and where it stopped if out of scope. */
export function eventStructure(r: RefResult): string {
  const events = r.events.map((e) => `${e.feature}:${e.regime}`).join(' | ');
  return r.outOfScope ? `${events} | out of scope` : events;
}

function bodyOf(scene: RefSceneInput, name: string, path: string): RefBodyInput {
  const b = scene.bodies.find((x) => x.name === name);
  if (!b) throw new Error(`reference: path '${path}' names no body`);
  return b;
}

/** A copy of the scene with the parameter at `path` set to `value`; also reads it. */
function withParam(scene: RefSceneInput, path: string, value?: number): { scene: RefSceneInput; value: number } {
  const [name, field, axis] = path.split('.');
  const copy: RefSceneInput = structuredClone(scene);
  const body = bodyOf(copy, name, path);
  if ((VECTOR_PARAMS as readonly string[]).includes(field)) {
    const k = AXES.indexOf(axis);
    if (k < 0) throw new Error(`reference: path '${path}' needs an x, y or z component`);
    const vec = [...(body[field as (typeof VECTOR_PARAMS)[number]] ?? [0, 0, 0])] as [number, number, number];
    const old = vec[k];
    if (value !== undefined) vec[k] = value;
    body[field as (typeof VECTOR_PARAMS)[number]] = vec;
    return { scene: copy, value: old };
  }
  if ((SCALAR_PARAMS as readonly string[]).includes(field)) {
    const key = field as (typeof SCALAR_PARAMS)[number];
    const fallback =
      key === 'friction' ? scene.contact.friction : key === 'restitution' ? scene.contact.restitution : undefined;
    const old = body[key] ?? fallback;
    if (old === undefined) throw new Error(`reference: path '${path}' has no value in the scene`);
    if (value !== undefined) body[key] = value;
    return { scene: copy, value: old };
  }
  throw new Error(`reference: '${path}' is not a parameter the reference differentiates`);
}

/** Read a final-state quantity `<body>.<field>.<component>` from a run. */
export function readQuantity(scene: RefSceneInput, r: RefResult, path: string): number {
  const [name, field, axis] = path.split('.');
  const dynamic = scene.bodies.filter((b) => b.shape.type !== 'plane');
  const index = dynamic.findIndex((b) => b.name === name);
  if (index < 0) throw new Error(`reference: quantity '${path}' names no dynamic body`);
  const s: RefState = r.final[index];
  if (field === 'orientation') return s.q['wxyz'.indexOf(axis)];
  const vec = { position: s.x, linearVelocity: s.v, angularVelocity: s.w }[field];
  if (!vec || AXES.indexOf(axis) < 0) throw new Error(`reference: '${path}' is not a quantity of the reference`);
  return vec[AXES.indexOf(axis)];
}

export function runReference(scene: RefSceneInput): RefResult {
  return simulateEvents(readWorld(scene));
}

/** Central-difference gradient of the final quantities `of` w.r.t. the parameters `wrt`. */
export function referenceGradient(
  scene: RefSceneInput,
  of: readonly string[],
  wrt: readonly string[],
): ReferenceGradient {
  const base = runReference(scene);
  const baseStructure = eventStructure(base);
  const grad = of.map(() => wrt.map(() => 0));
  const structureChanges: ReferenceGradient['structureChanges'] = [];
  wrt.forEach((param, j) => {
    const p = withParam(scene, param).value;
    const h = 1e-6 * Math.max(1, Math.abs(p));
    const plus = runReference(withParam(scene, param, p + h).scene);
    const minus = runReference(withParam(scene, param, p - h).scene);
    const [sPlus, sMinus] = [eventStructure(plus), eventStructure(minus)];
    if (sPlus !== baseStructure || sMinus !== baseStructure)
      structureChanges.push({ param, minus: sMinus, plus: sPlus, base: baseStructure });
    of.forEach((q, i) => (grad[i][j] = (readQuantity(scene, plus, q) - readQuantity(scene, minus, q)) / (2 * h)));
  });
  return { value: of.map((q) => readQuantity(scene, base, q)), grad, structureChanges, base };
}
