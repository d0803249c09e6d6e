/**
 * Scene → Model and initial State. `buildModel` is the one place where a scene's numbers
 * become the frozen struct-of-arrays Model: defaults resolved (body friction/restitution
 * from the contact, the contact margin from the temperature), masses from density,
 * inertia from shape and mass, plane normals normalized.
 */
import { shapeInertia } from './inertia.ts';
import { defaultContactMargin, freezeContactModel, freezeModel, type Model } from './model.ts';
import { SceneError } from './errors.ts';
import { unsupportedPair } from './pairs/table.ts';
import { DEFAULT_SANITY } from './sanity.ts';
import type { BodySpec, Scene } from './scene.ts';
import { GEOM_SIZE_WIDTH, ShapeType, shapeRow, sizeVector } from './shapes.ts';
import { allocState, STATE_FIELDS, type State } from './state.ts';

/**
 * Build the frozen Model of a scene returned by `parseScene` (a scene that did not pass
 * through `parseScene`, e.g. one changed by `writeParam`, is taken as valid: re-parse it to
 * check). The model's typed arrays are fresh; nothing is shared with the scene.
 *
 * @example
 * const scene = parseSceneText(fs.readFileSync('scenes/ball.json', 'utf8'));
 * const model = buildModel(scene);
 * const state = initialState(model, scene);
 */
export function buildModel(scene: Scene): Model {
  const nbody = scene.bodies.length;
  const bodyStatic = new Uint8Array(nbody);
  const bodyMass = new Float64Array(nbody);
  const bodyInvMass = new Float64Array(nbody);
  const bodyInertia = new Float64Array(nbody * 3);
  const bodyInvInertia = new Float64Array(nbody * 3);
  const geomType = new Uint8Array(nbody);
  const geomSize = new Float64Array(nbody * GEOM_SIZE_WIDTH);
  const bodyFriction = new Float64Array(nbody);
  const bodyRestitution = new Float64Array(nbody);
  const bodyIndex = new Map<string, number>();

  scene.bodies.forEach((b, i) => {
    bodyIndex.set(b.name, i);
    const s = b.shape;
    const g = i * GEOM_SIZE_WIDTH;
    geomType[i] = ShapeType[s.type];
    const row = shapeRow(geomType[i]);
    if (row.storeSize) row.storeSize(sizeVector(s), geomSize, g);
    else geomSize.set(sizeVector(s), g);
    const isStatic = b.static || s.type === 'plane';
    bodyStatic[i] = isStatic ? 1 : 0;
    if (!isStatic) {
      const mass = massOfBody(b);
      bodyMass[i] = mass;
      bodyInvMass[i] = 1 / mass;
      shapeInertia(geomType[i], geomSize, mass, bodyInertia, g, 3 * i);
      for (let k = 3 * i; k < 3 * i + 3; k++) bodyInvInertia[k] = 1 / bodyInertia[k];
      rejectUnrepresentable(b, i, mass, bodyInertia.subarray(3 * i, 3 * i + 3));
    }
    bodyFriction[i] = b.friction ?? scene.contact.friction;
    bodyRestitution[i] = b.restitution ?? scene.contact.restitution;
  });
  rejectUnsupportedPairs(scene, geomType, bodyStatic);

  const c = scene.contact;
  const contact = freezeContactModel({
    mode: c.mode,
    stiffness: c.stiffness,
    damping: c.damping,
    temperature: c.temperature,
    friction: c.friction,
    restitution: c.restitution,
    margin: c.margin ?? defaultContactMargin(c.temperature),
    timeOfImpact: c.timeOfImpact,
    frictionVelocity: c.frictionVelocity,
  });

  return freezeModel({
    nbody,
    bodyName: Object.freeze(scene.bodies.map((b) => b.name)),
    bodyIndex,
    bodyStatic,
    bodyMass,
    bodyInvMass,
    bodyInertia,
    bodyInvInertia,
    geomType,
    geomSize,
    bodyFriction,
    bodyRestitution,
    contact,
    dt: scene.dt,
    steps: scene.steps,
    gravity: Float64Array.from(scene.gravity),
    sanity: Object.freeze({ ...DEFAULT_SANITY, ...scene.sanity }),
  });
}

/**
 * A mass or moment of inertia so small that its reciprocal overflows (or is a denormal
 * number, where double precision has lost its digits) cannot be stepped: every force on the
 * body becomes an infinite acceleration. Invalid input, named by its JSON path.
 */
function rejectUnrepresentable(b: BodySpec, i: number, mass: number, inertia: Float64Array): void {
  const path = `bodies[${i}].${b.mass !== undefined ? 'mass' : 'density'}`;
  const fail = (message: string) => {
    throw new SceneError([{ path, message }]);
  };
  if (!(mass >= MIN_NORMAL) || !Number.isFinite(1 / mass)) {
    fail(
      `gives a mass of ${mass} kg, below the smallest normal double ${MIN_NORMAL} kg: its reciprocal is not representable`,
    );
  }
  for (let k = 0; k < 3; k++) {
    if (!(inertia[k] >= MIN_NORMAL) || !Number.isFinite(1 / inertia[k])) {
      fail(
        `gives a moment of inertia of ${inertia[k]} kg·m² (mass ${mass} kg with this shape), below the smallest normal double: its reciprocal is not representable`,
      );
    }
  }
  for (let k = 0; k < 3; k++) {
    if (inertia[k] < MOMENT_RANGE[0] || inertia[k] > MOMENT_RANGE[1]) {
      fail(
        `gives a moment of inertia of ${inertia[k].toExponential(2)} kg·m² (mass ${mass} kg with this shape), outside ${MOMENT_RANGE[0]} … ${MOMENT_RANGE[1]} kg·m², where the rotational step's 3×3 solve (a product of three moments) leaves double precision: give the body a mass of physical size`,
      );
    }
  }
}

/** The smallest positive normal double (2^−1022): below it a number keeps fewer than 53 bits. */
const MIN_NORMAL = 2 ** -1022;

/**
 * kg·m²: the principal moments the rotational step can take. It solves its 3×3 gyroscopic
 * system by the adjugate and the determinant, a product of three moments
 * (sim/integrator/gyroscopic.ts), which overflows past ∛(max double) ≈ 5.6e102 and
 * underflows below ∛(min normal) ≈ 2.8e-103; 1e±100 leaves room for the O(dt) terms.
 */
const MOMENT_RANGE = [1e-100, 1e100] as const;

/**
 * The initial State of a scene, for the Model built from it: positions and velocities as
 * given, orientations normalized to unit quaternions, time 0. Planes sit at the origin
 * with identity orientation (their geometry is in `geomSize`); static bodies are at rest.
 */
export function initialState(model: Model, scene: Scene): State {
  if (scene.bodies.length !== model.nbody || scene.bodies.some((b, i) => b.name !== model.bodyName[i])) {
    throw new RangeError('initialState: the scene does not match the model (different bodies)');
  }
  const state = allocState(model.nbody);
  const { bodyQ, bodyQd } = state;
  scene.bodies.forEach((b, i) => {
    if (b.shape.type === 'plane') return;
    const q = i * STATE_FIELDS.bodyQ;
    bodyQ.set(b.position, q);
    const [w, x, y, z] = b.orientation;
    const length = Math.hypot(w, x, y, z);
    bodyQ[q + 3] = w / length;
    bodyQ[q + 4] = x / length;
    bodyQ[q + 5] = y / length;
    bodyQ[q + 6] = z / length;
    if (model.bodyStatic[i] === 1) return;
    const qd = i * STATE_FIELDS.bodyQd;
    bodyQd.set(b.linearVelocity, qd);
    bodyQd.set(b.angularVelocity, qd + 3);
  });
  return state;
}

/**
 * Refuse a scene in which two bodies could meet whose pair of shapes has no row in the
 * pair table (sim/pairs/): their contacts would be silently missed. Names the first such
 * body pair (the second body's shape path).
 */
function rejectUnsupportedPairs(scene: Scene, geomType: Uint8Array, bodyStatic: Uint8Array): void {
  // per shape type: some body of it, and some dynamic body of it (O(bodies + types²))
  const any = new Map<number, number>(),
    dynamic = new Map<number, number>();
  geomType.forEach((t, i) => {
    if (!any.has(t)) any.set(t, i);
    if (!bodyStatic[i] && !dynamic.has(t)) dynamic.set(t, i);
  });
  for (const [t1, i1] of any) {
    for (const [t2, i2] of any) {
      if (t1 > t2 || unsupportedPair(t1, t2) === null) continue;
      // a dynamic body of one type and another body of the other can meet
      const d1 = dynamic.get(t1),
        d2 = dynamic.get(t2);
      let pair: [number, number] | null = null;
      if (t1 === t2) {
        const other = d1 === undefined ? -1 : geomType.findIndex((t, i) => t === t1 && i !== d1);
        if (d1 !== undefined && other >= 0) pair = [Math.min(d1, other), Math.max(d1, other)];
      } else if (d1 !== undefined) pair = [d1, i2];
      else if (d2 !== undefined) pair = [i1, d2];
      if (pair === null) continue;
      const [i, j] = pair;
      throw new SceneError([
        {
          path: `bodies[${j}].shape.type`,
          message: `'${scene.bodies[j].name}' may touch '${scene.bodies[i].name}': ${unsupportedPair(t1, t2)} contacts are not implemented`,
        },
      ]);
    }
  }
}

/** Mass (kg) of a dynamic body of a parsed scene: its `mass`, or density × volume. */
export function massOfBody(b: BodySpec): number {
  if (b.mass !== undefined) return b.mass;
  if (b.density === undefined) throw new RangeError(`body '${b.name}' has neither mass nor density`);
  const solid = shapeRow(b.shape.type).solid;
  if (solid === null) throw new RangeError(`body '${b.name}' is a ${b.shape.type} and has no mass`);
  return b.density * (solid.volume(sizeVector(b.shape)) as number);
}
