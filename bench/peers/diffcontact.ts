/**
 * Our engine behind the same `Engine` face as the peers: the plain forward step of
 * sim/step.ts (no tape), in the scene's contact mode.
 */
import { buildModel, initialState } from '../../sim/builder.ts';
import type { Model } from '../../sim/model.ts';
import type { Scene } from '../../sim/scene.ts';
import type { State } from '../../sim/state.ts';
import { createHardStepData, hardStep } from '../../sim/hard/step.ts';
import { SanityMonitor } from '../../sim/sanity.ts';
import { createStepData, step, type StepData } from '../../sim/step.ts';
import type { Engine, EngineWorld } from './peer.ts';

/** A world over one model and state, advanced by `advance` (a step of some kind). */
function worldOf(model: Model, state: State, advance: () => void): EngineWorld {
  return {
    step: advance,
    position: (body) => {
      const i = model.bodyIndex.get(body);
      if (i === undefined) throw new Error(`diffcontact: no body '${body}'`);
      return [state.bodyQ[7 * i], state.bodyQ[7 * i + 1], state.bodyQ[7 * i + 2]];
    },
    dispose: () => {},
  };
}

/** A world advanced by the plain step, then by `watch` (if given) after each step. */
function plainWorld(scene: Scene, watch?: (model: Model, state: State, data: StepData) => () => void): EngineWorld {
  const model = buildModel(scene);
  const state = initialState(model, scene);
  const data = createStepData(model);
  if (watch === undefined) return worldOf(model, state, () => step(model, data, state, null, state));
  const after = watch(model, state, data);
  return worldOf(model, state, () => {
    step(model, data, state, null, state);
    after();
  });
}

export const diffcontactEngine: Engine = {
  name: 'diffcontact',
  describe: 'diffcontact plain forward step (scene contact mode, no tape)',
  create: (scene: Scene) => plainWorld(scene),
};

/**
 * The hard-contact step (sim/hard: impulses solved by projected Gauss–Seidel), whatever
 * mode the scene names: the forward solver measured on its own while the step dispatch
 * and its adjoint are completed.
 */
export const diffcontactHardEngine: Engine = {
  name: 'diffcontact-hard',
  describe: 'diffcontact hard-contact step (impulses, PGS with warm start)',
  create(scene: Scene): EngineWorld {
    const model = buildModel({ ...scene, contact: { ...scene.contact, mode: 'hard' } });
    const state = initialState(model, scene);
    const data = createHardStepData(model);
    return worldOf(model, state, () => hardStep(model, data, state, null, state));
  },
};

/**
 * The plain forward step followed by the divergence monitor's check (sim/sanity.ts), as
 * `simulate` runs it: timed next to {@link diffcontactEngine} for the monitor's share.
 */
export const diffcontactMonitoredEngine: Engine = {
  name: 'diffcontact-monitored',
  describe: 'diffcontact plain forward step + the sanity monitor check after every step',
  create: (scene: Scene) =>
    plainWorld(scene, (model, state, data) => {
      const monitor = new SanityMonitor(model, state.bodyQ, state.bodyQd);
      let t = 0;
      return () => monitor.check(state.bodyQ, state.bodyQd, ++t, data.contacts);
    }),
};
