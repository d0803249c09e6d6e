/// <reference types="vite/client" />
/**
 * The viewer page: pick or drop a scene (or a trajectory file), play it back, change the
 * contact settings (re-simulated in the worker), sweep a gradient across contact modes,
 * and watch an optimization of the scene's objective converge, with its verdict. Physics
 * runs only in workers (worker.ts, and the sweep pool's); this thread parses, draws and
 * forwards requests. The 3-D view is drawn only when something changed: playback, a
 * camera move, a new track, a scrub; a paused, idle page draws nothing.
 */
import GUI, { type Controller } from 'lil-gui';
import { buildModel } from '../../sim/builder.ts';
import type { ContactMode, Model } from '../../sim/model.ts';
import { paramPaths, parseParamPath, pathBodies, quantityPaths, readParam } from '../../sim/paths.ts';
import { parseScene, type Scene } from '../../sim/scene.ts';
import { STRATEGIES, type StrategyName } from '../../scenes/optimize/names.ts';
import { SCENE_FILE_TOLERANCE } from '../../scenes/optimize/problem.ts';
import { MODE_COLOURS } from '../mode-colours.ts';
import { defaultSweep, DEFAULT_SWEEP_POINTS, sweepRangeAround, type SweepSpec } from '../sweep-grid.ts';
import { locateTime, trackFromTrajectoryFile, type Track } from '../track.ts';
import { pathUnit, withUnit } from '../units.ts';
import { LossPlot } from './loss-plot.ts';
import type { OptimizeOutcome, OptimizeReply, OptimizeRequest } from './optimize-worker.ts';
import type { JobKind, Reply, Request } from './protocol.ts';
import { SweepPanel, type SweepPanelState } from './sweep.ts';
import { SweepPool, type SweepProgress } from './sweep-pool.ts';
import { drawContactEvents } from './timeline-events.ts';
import { Viewport } from './viewport.ts';

performance.mark('viewer:module');
// ---- the scenes shipped in scenes/, as text (parsed like any dropped file) ----------------
const SCENE_TEXTS = import.meta.glob('../../scenes/*.json', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;
const BUNDLED = new Map(
  Object.entries(SCENE_TEXTS).map(([path, text]) => [path.replace(/^.*\/([^/]+)\.json$/, '$1'), text]),
);
const DEFAULT_SCENE = 'bounce-to-target';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`viewer page: #${id} is missing`);
  return el as T;
}

const ui = {
  viewport: byId<HTMLDivElement>('viewport'),
  sceneSelect: byId<HTMLSelectElement>('scene-select'),
  file: byId<HTMLInputElement>('file'),
  play: byId<HTMLButtonElement>('play'),
  step: byId<HTMLButtonElement>('step'),
  timeline: byId<HTMLInputElement>('timeline'),
  time: byId<HTMLSpanElement>('time'),
  status: byId<HTMLSpanElement>('status'),
  error: byId<HTMLDivElement>('error'),
  errorText: byId<HTMLPreElement>('error-text'),
  errorClose: byId<HTMLButtonElement>('error-close'),
  dropHint: byId<HTMLDivElement>('drop-hint'),
  events: byId<HTMLCanvasElement>('events'),
  legend3d: byId<HTMLDivElement>('legend3d'),
  sceneTitle: byId<HTMLHeadingElement>('scene-title'),
  sceneObjective: byId<HTMLParagraphElement>('scene-objective'),
};

// the physics worker first: it boots (fetch, compile) while this thread makes the GL context
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const viewport = new Viewport(ui.viewport);
performance.mark('viewer:viewport');
viewport.onInvalidate = () => invalidate();
// a camera moved by hand is not framed again when the rest of the track arrives
viewport.controls.addEventListener('start', () => (fitPending = false));
const sweepPanel = new SweepPanel(byId('sweep'));
/** the loss chart's box: first in its section, so the verdict and status lines below it never push it off screen */
const lossBox = document.createElement('div');
byId('loss').append(lossBox);
const lossPlot = new LossPlot(lossBox);
const sweepPool = new SweepPool();

// ---- page state ---------------------------------------------------------------------------
/** Contact settings of the page; they override the loaded scene's `contact`. */
const contact = { mode: 'soft' as ContactMode, temperature: 0, stiffness: 0, damping: 0, friction: 0, restitution: 0 };
const sweepSettings = { of: '', wrt: '', from: 0, to: 1, n: DEFAULT_SWEEP_POINTS, compute: () => requestSweep() };
/** The CLI's optimize flags: strategy, seed, iterations (0: the CLI's default for the strategy). */
const optimizeSettings = {
  strategy: 'auto' as StrategyName,
  seed: 1,
  iterations: 0,
  start: () => startOptimization(),
  stop: () => stopOptimization(),
};
const view = { contacts: true, trails: true, compare: false, speed: 1 };

let sceneName = '';
let loaded: Scene | null = null;
let model: Model | null = null;
let track: Track | null = null;
/** whether `track` is the whole rollout (false: its first frames, the rest still computing) */
let trackComplete = true;
let time = 0;
let playing = true;
let fitPending = false;
/** the latest sweep's progress (null before the first) */
let sweepProgress: SweepProgress | null = null;
/** start the sweep when the scene's first track arrives (the first trajectory comes first) */
let sweepAfterTrack = false;
/** per mode, why the last sweep could not compute it (shown under the plots) */
let sweepErrors: Partial<Record<ContactMode, string>> = {};
/** the verdict line of the last optimization */
let verdict = '';
/** the compared trail's mode (null: none drawn) */
let compareMode: ContactMode | null = null;
/** times of the contact onsets drawn on the timeline strip, s */
let contactOnsets: number[] = [];
/** the target marker's position (null: no position target) */
let targetAt: [number, number, number] | null = null;
/** the contact mode the current track was simulated in (null before the first) */
let trackMode: ContactMode | null = null;
/** the mode of the latest simulation request, which the next accepted track carries */
let requestedMode: ContactMode | null = null;
let lastError = '';
/**
 * Nothing is drawn before the page's first track: the GPU compiles the shaders meanwhile
 * (viewport.ts `compileShaders`), and a draw before would wait for them on this thread.
 */
let firstTrackPending = true;
const latest: Record<JobKind, number> = { simulate: 0, compare: 0 };
/** the running optimization's worker (null: none); stopping it terminates it */
let optimizer: Worker | null = null;
let nextId = 1;

function send(req: Request): void {
  worker.postMessage(req);
}

/** The loaded scene with the page's contact settings applied. */
function effectiveScene(): Scene {
  if (loaded === null) throw new Error('no scene loaded');
  // the damping field at 0 means "each contact's dashpot from restitution" (no override)
  const { damping, ...rest } = contact;
  const base = { ...loaded.contact };
  delete base.damping;
  return parseScene({ ...loaded, contact: { ...base, ...rest, ...(damping > 0 ? { damping } : {}) } });
}

// ---- errors ---------------------------------------------------------------------------------
function showError(message: string): void {
  lastError = message;
  firstTrackPending = false;
  invalidate();
  ui.errorText.textContent = message;
  ui.error.hidden = false;
}

function clearError(): void {
  lastError = '';
  ui.error.hidden = true;
}

ui.errorClose.addEventListener('click', clearError);

// ---- loading --------------------------------------------------------------------------------
/** Load a scene or trajectory file's text; a problem is shown on the page, the old scene stays. */
function loadText(name: string, text: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    showError(`${name}: not valid JSON (${(err as Error).message})`);
    return;
  }
  try {
    if (typeof json === 'object' && json !== null && 'frames' in json) {
      const file = trackFromTrajectoryFile(json);
      trackMode = file.scene.contact.mode;
      setScene(name, file.scene, file.track);
    } else {
      setScene(name, parseScene(json), null);
    }
    selectSceneOption(name);
  } catch (err) {
    showError(`${name}: ${(err as Error).message}`);
  }
}

function setScene(name: string, scene: Scene, fileTrack: Track | null): void {
  const nextModel = buildModel(scene);
  clearError();
  stopOptimization();
  sceneName = name;
  loaded = scene;
  model = nextModel;
  Object.assign(contact, {
    mode: scene.contact.mode,
    temperature: scene.contact.temperature,
    stiffness: scene.contact.stiffness,
    damping: scene.contact.damping ?? 0,
    friction: scene.contact.friction,
    restitution: scene.contact.restitution,
  });
  viewport.setModel(nextModel);
  refreshGui(scene);
  describeScene(name, scene, fileTrack !== null);
  lossPlot.reset(lossAxis(scene));
  verdict = '';
  sweepPool.cancel();
  sweepProgress = null;
  sweepPanel.clear();
  fitPending = true;
  time = 0;
  setPlaying(true);
  compareMode = null;
  if (fileTrack !== null) {
    setTrack(fileTrack);
    requestSweep();
  } else {
    sweepAfterTrack = true;
    sweepPanel.setStatus('waiting for the first trajectory…');
    requestSimulation();
  }
  if (view.compare) requestCompare();
}

/** The title and objective lines of the side panel. */
function describeScene(name: string, scene: Scene, fromTrajectory: boolean): void {
  ui.sceneTitle.textContent = fromTrajectory
    ? `${name} (a recorded trajectory, ${scene.contact.mode} mode)`
    : name.replace(/\.json$/, '');
  const o = scene.objective;
  ui.sceneObjective.textContent =
    o === undefined
      ? fromTrajectory
        ? 'The scene in this trajectory file has no objective section (a named optimization writes its scene without one).'
        : 'This scene has no objective to optimize.'
      : `Objective: ${o.of} → (${(Array.isArray(o.target) ? o.target : [o.target]).join(', ')})${pathUnit(o.of) ? ` ${pathUnit(o.of)}` : ''} at t = ${withUnit(scene.dt * scene.steps, 's')} by choosing ${o.wrt.join(', ')}; success: within ${withUnit(SCENE_FILE_TOLERANCE, pathUnit(o.of) || '1')}, checked in hard mode.`;
}

/** The loss axis of a scene's objective: |of − target|² in the square of of's unit. */
function lossAxis(scene: Scene): { name: string; unit: string; toleranceLoss: number } {
  const o = scene.objective;
  const unit = o === undefined ? '' : pathUnit(o.of);
  const squared = unit === '' || unit === '1' ? '' : /^[a-zA-Z]+$/.test(unit) ? `${unit}²` : `(${unit})²`;
  return {
    name: o === undefined ? '' : `|${o.of} − target|²`,
    unit: squared,
    toleranceLoss: SCENE_FILE_TOLERANCE ** 2,
  };
}

/** Show `name` in the scene menu: a bundled scene, or the loaded file as an extra entry. */
function selectSceneOption(name: string): void {
  const bundled = name.replace(/\.json$/, '');
  ui.sceneSelect.querySelector('option[data-file]')?.remove();
  if (BUNDLED.has(bundled) && BUNDLED.get(bundled) !== undefined && ui.sceneSelect.value === bundled) return;
  const option = new Option(`file: ${name}`, `file:${name}`);
  option.dataset.file = 'true';
  ui.sceneSelect.add(option);
  ui.sceneSelect.value = option.value;
}

/**
 * Show `next`; `complete` false: the first frames of a rollout still computing (playback
 * holds at their end). The camera is framed on the first frames shown, and once more on
 * the whole track unless the camera was moved meanwhile.
 */
function setTrack(next: Track, complete = true): void {
  track = next;
  firstTrackPending = false;
  trackComplete = complete;
  if (fitPending && model !== null) {
    viewport.frame(next, model);
    fitPending = !complete;
  }
  const duration = next.times[next.times.length - 1];
  ui.timeline.max = String(complete || loaded === null ? duration : loaded.dt * loaded.steps);
  time = Math.min(time, duration);
  const colour = MODE_COLOURS[trackMode ?? contact.mode];
  viewport.setTrail('main', view.trails ? next : null, colour);
  targetAt = viewport.setTarget(loaded, next);
  contactOnsets = drawContactEvents(ui.events, next, colour);
  describeView();
  updateStatus();
  invalidate();
}

/** The legend of the 3-D view: what the axes, marker and trails are. */
function describeView(): void {
  const parts: string[] = [];
  if (viewport.axesLength > 0)
    parts.push(
      `axes at the origin, ${withUnit(viewport.axesLength, 'm')} each: x red, y green, z blue; floor grid ${withUnit(0.25, 'm')}`,
    );
  if (targetAt !== null) parts.push('<span style="color:#d100d1">◯ target</span>');
  const trail = (mode: ContactMode, dashed: boolean) =>
    `<span class="swatch" style="background:${MODE_COLOURS[mode]}${dashed ? ';opacity:0.6' : ''}"></span>${mode}${dashed ? ' (dashed)' : ''}`;
  const trails: string[] = [];
  if (view.trails && trackMode !== null) trails.push(trail(trackMode, false));
  if (compareMode !== null) trails.push(trail(compareMode, true));
  if (trails.length > 0) parts.push(`trails: ${trails.join(' ')}`);
  ui.legend3d.innerHTML = parts.join(' · ');
}

function updateStatus(extra = ''): void {
  const frames = track
    ? `${track.times.length} frames, ${track.times[track.times.length - 1].toFixed(2)} s${trackComplete ? '' : ' so far'}`
    : 'simulating…';
  ui.status.textContent = `${sceneName} · ${trackMode ?? contact.mode} · ${frames}${extra ? ` · ${extra}` : ''}`;
}

// ---- worker requests and replies ----------------------------------------------------------------
/** The scene as the panel sets it, or null after showing why it is invalid. */
function effectiveSceneOrReport(): Scene | null {
  try {
    return effectiveScene();
  } catch (err) {
    showError((err as Error).message);
    return null;
  }
}

function requestSimulation(): void {
  const scene = effectiveSceneOrReport();
  if (scene === null) return;
  latest.simulate = nextId++;
  requestedMode = scene.contact.mode;
  send({ type: 'simulate', id: latest.simulate, scene });
  updateStatus('simulating…');
}

function requestSweep(): void {
  sweepAfterTrack = false;
  if (loaded === null || sweepSettings.of === '') return;
  const scene = effectiveSceneOrReport();
  if (scene === null) return;
  const spec: SweepSpec = {
    of: sweepSettings.of,
    wrt: sweepSettings.wrt,
    from: sweepSettings.from,
    to: sweepSettings.to,
    n: Math.round(sweepSettings.n),
  };
  let anchor = NaN;
  try {
    const bodies = pathBodies(scene);
    anchor = readParam(scene, parseParamPath(spec.wrt, bodies));
  } catch {
    // a parameter that does not read is reported by the sweep itself
  }
  sweepErrors = {};
  try {
    sweepPool.start(scene, spec, MODE_OPTIONS, (p) => showSweep(p, anchor), {
      primary: contact.mode,
      anchor: anchor >= spec.from && anchor <= spec.to ? anchor : NaN,
    });
  } catch (err) {
    sweepPanel.setStatus(`sweep not started: ${(err as Error).message}`);
    return;
  }
  sweepPanel.setStatus(`sweeping ${spec.n} points × ${MODE_OPTIONS.length} modes on ${sweepPool.size} workers…`);
}

function showSweep(p: SweepProgress, anchor: number): void {
  sweepProgress = p;
  sweepPanel.show(p.spec, p.curves, contact.mode, anchor, p.validity);
  sweepErrors = Object.fromEntries(p.errors.map((e) => [e.mode, e.message]));
  const errors = p.errors.map((e) => `\n${e.mode} left out: ${e.message}`).join('');
  const perPoint = Object.entries(p.compute)
    .map(([mode, c]) => `${mode} ${(c.ms / c.points).toFixed(0)} ms`)
    .join(', ');
  const primary = p.primarySeconds === null ? '' : `${p.primary} complete at ${p.primarySeconds.toFixed(1)} s; `;
  const timing = `(${primary}per point: ${perPoint === '' ? '…' : perPoint})`;
  sweepPanel.setStatus(
    (p.done
      ? `${p.computed} points in ${p.seconds.toFixed(1)} s on ${sweepPool.size} workers ${timing}`
      : `sweeping (coarse curves, then ${p.primary}, then the rest): ${p.computed} of ${p.total} points, ${p.seconds.toFixed(1)} s ${timing}`) +
      errors,
    "numbered bands: the gradient changes by > 8× its median step there (causes listed above the status); purple band: where the page's mode's gradient holds around the scene's value; ▲: its nearest decisions' flip points",
  );
}

function stopSweep(): void {
  if (!sweepPool.running) return;
  sweepPool.cancel();
  sweepPanel.setStatus(`sweep stopped at ${sweepProgress?.computed ?? 0} of ${sweepProgress?.total ?? 0} points`);
}

/** Simulate the scene in the other kind of contact (hard ↔ soft) for a second, dashed trail. */
function requestCompare(): void {
  if (loaded === null) return;
  const scene = effectiveSceneOrReport();
  if (scene === null) return;
  const other: ContactMode = contact.mode === 'hard' ? 'soft' : 'hard';
  latest.compare = nextId++;
  compareRequestMode = other;
  send({
    type: 'compare',
    id: latest.compare,
    scene: parseScene({ ...scene, contact: { ...scene.contact, mode: other } }),
  });
}
let compareRequestMode: ContactMode | null = null;

function startOptimization(): void {
  if (loaded?.objective === undefined) return;
  const scene = effectiveSceneOrReport();
  if (scene === null) return;
  stopOptimization();
  lossPlot.reset(lossAxis(loaded));
  verdict = '';
  optimizeVerdict('', null);
  const req: OptimizeRequest = {
    name: sceneName.replace(/\.json$/, ''),
    scene,
    strategy: optimizeSettings.strategy,
    seed: Math.round(optimizeSettings.seed),
    ...(optimizeSettings.iterations > 0 ? { iters: Math.round(optimizeSettings.iterations) } : {}),
  };
  const mode = scene.contact.mode;
  const w = new Worker(new URL('./optimize-worker.ts', import.meta.url), { type: 'module' });
  optimizer = w;
  const started = performance.now();
  w.onmessage = (event: MessageEvent<OptimizeReply>) => {
    if (optimizer !== w) return;
    const r = event.data;
    if (r.type === 'iterate') {
      lossPlot.push(r.iteration, r.loss);
      optimizeStatus(
        `${req.strategy}, seed ${req.seed}: iteration ${r.iteration}, loss ${r.loss.toExponential(3)}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      return;
    }
    optimizer = null;
    w.terminate();
    if (r.type === 'error') {
      optimizeStatus('');
      showError(`optimize: ${r.message}`);
      return;
    }
    showOutcome(r.outcome, req);
    trackMode = mode;
    setTrack(r.track);
    optimizeResult = r.outcome;
  };
  w.onerror = (event) => {
    if (optimizer !== w) return;
    optimizer = null;
    showError(`optimize worker: ${event.message}`);
  };
  w.postMessage(req);
  optimizeStatus(`${req.strategy}, seed ${req.seed}: starting (the CLI's optimizer, in a worker)…`);
}
/** the last optimization's result (null: none finished) */
let optimizeResult: OptimizeOutcome | null = null;

/** The verdict in words (the CLI's verification) and what ran. */
function showOutcome(o: OptimizeOutcome, req: OptimizeRequest): void {
  const unit = pathUnit(loaded?.objective?.of ?? '') || '1';
  const v = o.verification;
  verdict =
    `${v.success ? 'Target reached' : 'Target NOT reached'}: verified in ${v.mode} mode, ${v.missLabel} = ${withUnit(v.miss, unit)} ` +
    `against a tolerance of ${withUnit(v.tolerance, unit)} (start: ${withUnit(o.initialMiss, unit)}; strategy ${o.strategy}, seed ${req.seed}, as \`diffcontact optimize ${req.name}.json --strategy ${req.strategy} --seed ${req.seed}\`).`;
  optimizeVerdict(verdict, v.success);
  const rungs = (o.attempts ?? []).map((a) => `${a.strategy}: ${withUnit(a.miss, unit)} (${a.reason})`).join('; ');
  const params = o.params.map((p, j) => `${p} ${o.x0[j].toPrecision(4)} → ${o.x[j].toPrecision(6)}`).join(', ');
  optimizeStatus(
    `${params} · ${o.iterations} iterations, ${o.evaluations} rollouts, ${o.seconds.toFixed(1)} s${rungs === '' ? '' : ` · ran ${rungs}`}${o.summary ? ` · ${o.summary}` : ''}`,
  );
}

function stopOptimization(): void {
  if (optimizer === null) return;
  optimizer.terminate();
  optimizer = null;
  optimizeStatus('stopped');
}

worker.onmessage = (event: MessageEvent<Reply>) => {
  const r = event.data;
  const kind: JobKind = r.kind;
  if (r.id !== latest[kind]) return; // a reply to a superseded request
  switch (r.type) {
    case 'track':
      if (performance.getEntriesByName('viewer:track').length === 0) performance.mark('viewer:track');
      if (kind === 'compare') {
        compareMode = compareRequestMode;
        if (compareMode !== null) viewport.setTrail('compare', r.track, MODE_COLOURS[compareMode], true);
        describeView();
        break;
      }
      trackMode = requestedMode;
      setTrack(r.track, r.complete);
      if (r.complete && sweepAfterTrack) requestSweep();
      break;
    case 'progress':
      if (kind === 'simulate') updateStatus(`simulating ${Math.round((100 * r.done) / r.total)} %`);
      break;
    case 'done':
      break;
    case 'error':
      showError(`${kind}: ${r.message}`);
      break;
  }
};

worker.onerror = (event) => showError(`worker: ${event.message}`);

// ---- controls (lil-gui) ----------------------------------------------------------------------
const gui = new GUI({ container: byId('gui'), title: 'controls' });
const contactFolder = gui.addFolder('Contact (re-simulates)');
/** The mode menu's order: the smooth mode first. */
const MODE_OPTIONS: ContactMode[] = ['soft', 'penalty', 'hard'];
const modeControl = contactFolder.add(contact, 'mode', MODE_OPTIONS).name('contact mode');
modeControl.onChange(() => {
  requestSimulation();
  sweepPanel.setPrimary(contact.mode);
  if (view.compare) requestCompare();
});
const numberControls: Controller[] = [
  contactFolder.add(contact, 'temperature').name('temperature τ (m)'),
  contactFolder.add(contact, 'stiffness').name('stiffness (N/m)'),
  contactFolder.add(contact, 'damping').name('damping override (N·s/m, 0: from e)'),
  contactFolder.add(contact, 'friction').name('friction μ'),
  contactFolder.add(contact, 'restitution').name('restitution e'),
];
for (const c of numberControls) {
  c.onFinishChange(() => {
    requestSimulation();
    requestSweep();
    if (view.compare) requestCompare();
  });
}

const viewFolder = gui.addFolder('View');
viewFolder
  .add(view, 'contacts')
  .name('contact forces')
  .onChange(() => (viewport.showContacts = view.contacts));
viewFolder
  .add(view, 'trails')
  .name('trails')
  .onChange(() => {
    viewport.setTrail('main', view.trails ? track : null, MODE_COLOURS[trackMode ?? contact.mode]);
    describeView();
  });
viewFolder
  .add(view, 'compare')
  .name('compare hard ↔ soft trail')
  .onChange(() => {
    if (view.compare) requestCompare();
    else {
      latest.compare = 0;
      compareMode = null;
      viewport.setTrail('compare', null);
      describeView();
    }
  });
viewFolder.add(view, 'speed', 0.05, 2).name('playback speed');
viewFolder.close();

const sweepFolder = gui.addFolder('Gradient sweep');
let ofControl = sweepFolder.add(sweepSettings, 'of', ['']);
let wrtControl = sweepFolder.add(sweepSettings, 'wrt', ['']);
sweepFolder.add(sweepSettings, 'from').name('from');
sweepFolder.add(sweepSettings, 'to').name('to');
sweepFolder.add(sweepSettings, 'n', 2, 201, 1).name('points');
sweepFolder.add(sweepSettings, 'compute').name('compute sweep');
sweepFolder.add({ stop: () => stopSweep() }, 'stop').name('stop sweep');

sweepFolder.close();

const optimizeFolder = gui.addFolder('Optimize objective');
optimizeFolder.close();
optimizeFolder.add(optimizeSettings, 'strategy', [...STRATEGIES]).name('strategy (as the CLI)');
optimizeFolder.add(optimizeSettings, 'seed', 0, 1e6, 1).name('seed');
optimizeFolder.add(optimizeSettings, 'iterations', 0, 1000, 1).name('iterations (0: the CLI default)');
const startControl = optimizeFolder.add(optimizeSettings, 'start').name('start (the CLI optimizer, in a worker)');
optimizeFolder.add(optimizeSettings, 'stop').name('stop');
const optimizeText = document.createElement('div');
optimizeText.className = 'panel-status';
const verdictText = document.createElement('div');
verdictText.className = 'panel-status';
byId('loss').append(verdictText, optimizeText);

function optimizeStatus(text: string): void {
  optimizeText.textContent = text;
}

function optimizeVerdict(text: string, success: boolean | null): void {
  verdictText.textContent = text;
  verdictText.className = `panel-status ${success === null ? '' : success ? 'verdict-ok' : 'verdict-miss'}`;
}

/** Point the controls at a newly loaded scene. */
function refreshGui(scene: Scene): void {
  for (const c of [modeControl, ...numberControls]) c.updateDisplay();

  // sweep: the scene's quantities (components) and parameters
  const bodies = pathBodies(scene);
  const quantities = quantityPaths(bodies).filter((p) => p.split('.').length === 3);
  const params = paramPaths(bodies);
  const spec = defaultSweep(scene, (p) => readParam(scene, parseParamPath(p, bodies)));
  Object.assign(
    sweepSettings,
    spec ?? { of: quantities[0] ?? '', wrt: params[0] ?? '', from: 0, to: 1, n: DEFAULT_SWEEP_POINTS },
  );
  ofControl = ofControl.options(quantities).name('quantity (final)');
  wrtControl = wrtControl.options(params).name('parameter');
  ofControl.onFinishChange(requestSweep);
  wrtControl.onFinishChange(() => {
    // re-centre the range on the new parameter's value
    const range = sweepRangeAround(readParam(scene, parseParamPath(sweepSettings.wrt, bodies)));
    sweepSettings.from = range.from;
    sweepSettings.to = range.to;
    sweepFolder.controllersRecursive().forEach((c) => c.updateDisplay());
    requestSweep();
  });
  sweepFolder.controllersRecursive().forEach((c) => c.updateDisplay());

  startControl.disable(scene.objective === undefined);
  optimizeVerdict('', null);
  optimizeStatus(
    scene.objective === undefined
      ? 'no objective: nothing to optimize'
      : `open "Optimize objective" in the controls and press start: the CLI's optimizer (strategy ${optimizeSettings.strategy}, seed ${optimizeSettings.seed}) on the scene with the controls' contact settings, verified in hard mode`,
  );
}

// ---- scene picking, files, drag and drop --------------------------------------------------------------
for (const name of [...BUNDLED.keys()].sort()) ui.sceneSelect.add(new Option(name, name));
ui.sceneSelect.addEventListener('change', () => {
  if (BUNDLED.has(ui.sceneSelect.value))
    loadText(`${ui.sceneSelect.value}.json`, BUNDLED.get(ui.sceneSelect.value) ?? '');
});
ui.file.addEventListener('change', async () => {
  const f = ui.file.files?.[0];
  if (f) loadText(f.name, await f.text());
  ui.file.value = '';
});
window.addEventListener('dragover', (e) => {
  e.preventDefault();
  ui.dropHint.hidden = false;
});
window.addEventListener('dragleave', () => (ui.dropHint.hidden = true));
window.addEventListener('drop', async (e) => {
  e.preventDefault();
  ui.dropHint.hidden = true;
  const f = e.dataTransfer?.files[0];
  if (f) loadText(f.name, await f.text());
});

// ---- playback and drawing on demand --------------------------------------------------------------
function setPlaying(on: boolean): void {
  playing = on;
  ui.play.textContent = on ? '❚❚ pause' : '▶ play';
  ui.play.setAttribute('aria-pressed', String(on));
  lastTick = performance.now();
  invalidate();
}
ui.play.addEventListener('click', () => setPlaying(!playing));
ui.step.addEventListener('click', () => {
  setPlaying(false);
  if (track === null) return;
  const { frame } = locateTime(track.times, time);
  time = track.times[Math.min(frame + 1, track.times.length - 1)];
  invalidate();
});
ui.timeline.addEventListener('input', () => {
  setPlaying(false);
  time = Number(ui.timeline.value);
  invalidate();
});
window.addEventListener('keydown', (e) => {
  if (e.code === 'Space' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement)) {
    e.preventDefault();
    setPlaying(!playing);
  }
});
new ResizeObserver(
  () => (contactOnsets = drawContactEvents(ui.events, track, MODE_COLOURS[trackMode ?? contact.mode])),
).observe(ui.events);

/** Longest time step of playback, s: a frame after a long pause does not jump ahead. */
const MAX_FRAME_STEP = 0.1;
let lastTick = performance.now();
let frameRequested = false;
/** when the first frame showing a trajectory was drawn, ms after navigation started (null: not yet) */
let firstTrackFrameMs: number | null = null;

/**
 * Playback's frames per second while a sweep computes on a software GL. There a frame is
 * ~20 ms of CPU (render/README.md): at 40 frames/s playback takes most of a core from the
 * sweep's workers on a 2-core machine; at this rate it takes a quarter of one.
 */
const SWEEP_PLAYBACK_FPS = 12;

/** Ask for one frame (several calls before it draws make one frame). */
function invalidate(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(drawFrame);
}

/** Ask for playback's next frame: at once, or at {@link SWEEP_PLAYBACK_FPS} while a sweep computes on a software GL. */
function nextPlaybackFrame(): void {
  if (!(sweepPool.running && viewport.softwareGL)) return invalidate();
  if (frameRequested) return;
  frameRequested = true;
  setTimeout(() => requestAnimationFrame(drawFrame), 1000 / SWEEP_PLAYBACK_FPS);
}

function drawFrame(now: number): void {
  frameRequested = false;
  if (firstTrackPending) return; // setTrack or an error asks again
  const elapsed = Math.min(MAX_FRAME_STEP, Math.max(0, (now - lastTick) / 1000));
  lastTick = now;
  if (track !== null) {
    const duration = track.times[track.times.length - 1];
    // the first frames of a rollout still computing: hold at their end until more arrive
    if (playing)
      time =
        duration > 0
          ? trackComplete
            ? (time + elapsed * view.speed) % duration
            : Math.min(duration, time + elapsed * view.speed)
          : 0;
    viewport.showAt(track, time);
    ui.timeline.value = String(time);
    ui.time.textContent = `${time.toFixed(3)} s`;
  }
  const gliding = viewport.render();
  if (track !== null) firstTrackFrameMs ??= performance.now();
  const holding = track !== null && !trackComplete && time >= track.times[track.times.length - 1];
  if (gliding) invalidate();
  else if (playing && track !== null && !holding) nextPlaybackFrame();
}

// ---- what the browser tests read ------------------------------------------------------------------
/** Read-only view of the page for tests and the console (`window.__viewer`). */
export interface ViewerProbe {
  readonly scene: string;
  readonly frames: number;
  /** whether the shown track is the whole rollout (false: its first frames, the rest computing) */
  readonly trackComplete: boolean;
  readonly time: number;
  readonly playing: boolean;
  readonly error: string;
  /** the contact mode the shown track was simulated in */
  readonly trackMode: ContactMode | null;
  /** the sweep panel, whether the sweep finished, and per mode why it could not be computed */
  readonly sweep: SweepPanelState & {
    done: boolean;
    seconds: number;
    /** when the page's mode's curve was complete, s (null: not yet) */
    primarySeconds: number | null;
    /** per mode: when its curve was complete, s since the sweep started */
    modeSeconds: SweepProgress['modeSeconds'];
    workers: number;
    /** per mode: points computed and the workers' compute time for them, ms */
    compute: SweepProgress['compute'];
    errors: Partial<Record<ContactMode, string>>;
  };
  readonly lossPoints: number;
  /** the loss plot's axis titles (x, y) */
  readonly lossAxisTitles: string[];
  /** the last optimization's verdict, in words ('' before one finishes) */
  readonly verdict: string;
  /** the last optimization's result, as the CLI reports it (null before one finishes) */
  readonly optimizeResult: OptimizeOutcome | null;
  /** the play button's label */
  readonly playLabel: string;
  /** the side panel's title and objective lines */
  readonly sceneTitle: string;
  readonly objectiveText: string;
  /** frames the 3-D view has drawn since load */
  readonly renderedFrames: number;
  /** when the first frame showing a trajectory was drawn, ms after navigation started (null: not yet) */
  readonly firstTrackFrameMs: number | null;
  readonly glRenderer: string;
  readonly softwareGL: boolean;
  /** the target marker's position, m, and where it is on the canvas, CSS px (null: none) */
  readonly target: { at: [number, number, number]; screen: [number, number] } | null;
  /** trail lines per trail set ('main', 'compare') */
  readonly trails: Record<string, number>;
  /** times of the contact onsets marked under the timeline, s */
  readonly contactOnsets: number[];
  readonly axesLength: number;
  /** where a world point (m) is drawn on the 3-D canvas, CSS px */
  screenOf(point: [number, number, number]): [number, number];
  bodyPosition(name: string): [number, number, number] | null;
  /** the contact arrows of the frame shown now: how many, and their normal forces summed, N */
  shownContacts(): { count: number; totalForce: number };
}
const probe: ViewerProbe = {
  get scene() {
    return sceneName;
  },
  get frames() {
    return track?.times.length ?? 0;
  },
  get trackComplete() {
    return trackComplete;
  },
  get time() {
    return time;
  },
  get playing() {
    return playing;
  },
  get error() {
    return lastError;
  },
  get trackMode() {
    return trackMode;
  },
  get sweep() {
    const p = sweepProgress;
    return {
      ...sweepPanel.state,
      done: p?.done ?? false,
      seconds: p?.seconds ?? NaN,
      primarySeconds: p?.primarySeconds ?? null,
      modeSeconds: { ...p?.modeSeconds },
      workers: sweepPool.size,
      compute: { ...p?.compute },
      errors: { ...sweepErrors },
    };
  },
  get lossPoints() {
    return lossPlot.length;
  },
  get lossAxisTitles() {
    return lossPlot.axisTitles;
  },
  get verdict() {
    return verdict;
  },
  get optimizeResult() {
    return optimizeResult;
  },
  get playLabel() {
    return ui.play.textContent ?? '';
  },
  get sceneTitle() {
    return ui.sceneTitle.textContent ?? '';
  },
  get objectiveText() {
    return ui.sceneObjective.textContent ?? '';
  },
  get renderedFrames() {
    return viewport.renderedFrames;
  },
  get firstTrackFrameMs() {
    return firstTrackFrameMs;
  },
  get glRenderer() {
    return viewport.glRenderer;
  },
  get softwareGL() {
    return viewport.softwareGL;
  },
  get target() {
    return targetAt === null ? null : { at: targetAt, screen: viewport.toScreen(targetAt) };
  },
  get trails() {
    return viewport.trailCounts;
  },
  get contactOnsets() {
    return contactOnsets;
  },
  get axesLength() {
    return viewport.axesLength;
  },
  screenOf: (point) => viewport.toScreen(point),
  bodyPosition: (name) => viewport.bodyPosition(name),
  shownContacts: () => shownContacts(),
};

/** The contacts playback draws at the current time (the frame at or before it, as `showAt`). */
function shownContacts(): { count: number; totalForce: number } {
  const c = track?.contacts;
  if (track === null || c === undefined) return { count: 0, totalForce: 0 };
  const { frame } = locateTime(track.times, time);
  let totalForce = 0;
  for (let k = c.offsets[frame]; k < c.offsets[frame + 1]; k++) totalForce += c.force[k];
  return { count: c.offsets[frame + 1] - c.offsets[frame], totalForce };
}
(window as unknown as { __viewer: ViewerProbe }).__viewer = probe;

// ---- start ---------------------------------------------------------------------------------------
const initial = new URLSearchParams(location.search).get('scene') ?? DEFAULT_SCENE;
const first = BUNDLED.has(initial) ? initial : DEFAULT_SCENE;
ui.sceneSelect.value = first;
performance.mark('viewer:gui');
loadText(`${first}.json`, BUNDLED.get(first) ?? '');
performance.mark('viewer:loaded');
