// The divergence monitor's tests build a monitor on a scene's initial state the same way.
import { buildModel, initialState } from '../../sim/builder.ts';
import { SanityMonitor } from '../../sim/sanity.ts';
import { parseScene, type SceneInput } from '../../sim/scene.ts';

/** The scene, its model and initial state, and a monitor watching that state. */
export function monitorOf(input: SceneInput) {
  const scene = parseScene(input);
  const model = buildModel(scene);
  const s = initialState(model, scene);
  return { scene, model, s, monitor: new SanityMonitor(model, s.bodyQ, s.bodyQd) };
}
