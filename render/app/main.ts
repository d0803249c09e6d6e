/// <reference types="vite/client" />
/**
 * The viewer page: pick or drop a scene (or a trajectory file), play it back, change the
 * contact settings (re-simulated in the worker), sweep a gradient across contact modes,
 * and watch an optimization of the scene's objective converge. Physics runs only in the
 * worker (worker.ts); this thread parses, draws and forwards requests.
 */
import GUI, { type Controller } from 'lil-gui';
import { buildModel } from '../../sim/builder.ts';
import type { ContactMode, Model } from '../../sim/model.ts';
import { paramPaths, parseParamPath, pathBodies, quantityPaths, readParam } from '../../sim/paths.ts';
import { parseScene, type Scene } from '../../sim/scene.ts';
import { defaultSweep, DEFAULT_SWEEP_POINTS, sweepRangeAround, type SweepSpec } from '../sweep-grid.ts';
import { locateTime, trackFromTrajectoryFile, type Track } from '../track.ts';
import { LossPlot } from './loss-plot.ts';
import type { JobKind, Reply, Request } from './protocol.ts';
import { SweepPanel, type SweepPanelState } from './sweep.ts';
import { Viewport } from './viewport.ts';

// ---- the scenes shipped in scenes/, as text (parsed like any dropped file) ----------------
const SCENE_TEXTS = import.meta.glob('../../scenes/*.json', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const BUNDLED = new Map(Object.entries(SCENE_TEXTS).map(([path, text]) => [path.replace(/^.*\/([^/]+)\.json$/, '$1'), text]));
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
};

const viewport = new Viewport(ui.viewport);
const sweepPanel = new SweepPanel(byId('sweep'));
const lossPlot = new LossPlot(byId('loss'));
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

// ---- page state ---------------------------------------------------------------------------
/** Contact settings of the page; they override the loaded scene's `contact`. */
const contact = { mode: 'soft' as ContactMode, temperature: 0, stiffness: 0, damping: 0, friction: 0, restitution: 0 };
const sweepSettings = { of: '', wrt: '', from: 0, to: 1, n: DEFAULT_SWEEP_POINTS, compute: () => requestSweep() };
const optimizeSettings = { iterations: 100, start: () => startOptimization(), stop: () => stopOptimization() };
const view = { contacts: true, speed: 1 };

let sceneName = '';
let loaded: Scene | null = null;
let model: Model | null = null;
let track: Track | null = null;
let time = 0;
let playing = true;
let fitPending = false;
let sweepDone = false;
/** per mode, why the last sweep could not compute it (shown under the plots) */
let sweepErrors: Partial<Record<ContactMode, string>> = {};
/** the contact mode the current track was simulated in (null before the first) */
let trackMode: ContactMode | null = null;
/** the mode of the latest simulation request, which the next accepted track carries */
let requestedMode: ContactMode | null = null;
let lastError = '';
const latest: Record<JobKind, number> = { simulate: 0, sweep: 0, optimize: 0 };
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
      setScene(name, file.scene, file.track);
      trackMode = file.scene.contact.mode;
    } else {
      setScene(name, parseScene(json), null);
    }
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
  lossPlot.reset();
  fitPending = true;
  time = 0;
  playing = true;
  if (fileTrack !== null) setTrack(fileTrack);
  else requestSimulation();
  requestSweep();
}

function setTrack(next: Track): void {
  track = next;
  if (fitPending && model !== null) {
    viewport.frame(next, model);
    fitPending = false;
  }
  const duration = next.times[next.times.length - 1];
  ui.timeline.max = String(duration);
  time = Math.min(time, duration);
  updateStatus();
}

function updateStatus(extra = ''): void {
  const frames = track ? `${track.times.length} frames, ${track.times[track.times.length - 1].toFixed(2)} s` : 'simulating…';
  ui.status.textContent = `${sceneName} · ${contact.mode} · ${frames}${extra ? ` · ${extra}` : ''}`;
}

// ---- worker requests and replies ----------------------------------------------------------------
function requestSimulation(): void {
  let scene: Scene;
  try {
    scene = effectiveScene();
  } catch (err) {
    showError((err as Error).message);
    return;
  }
  latest.simulate = nextId++;
  requestedMode = scene.contact.mode;
  send({ type: 'simulate', id: latest.simulate, scene });
  updateStatus('simulating…');
}

function requestSweep(): void {
  if (loaded === null || sweepSettings.of === '') return;
  let scene: Scene;
  try {
    scene = effectiveScene();
  } catch (err) {
    showError((err as Error).message);
    return;
  }
  const spec: SweepSpec = { of: sweepSettings.of, wrt: sweepSettings.wrt, from: sweepSettings.from, to: sweepSettings.to, n: Math.round(sweepSettings.n) };
  latest.sweep = nextId++;
  sweepDone = false;
  sweepErrors = {};
  send({ type: 'sweep', id: latest.sweep, scene, spec, modes: MODE_OPTIONS });
  pendingSpec = spec;
  sweepPanel.setStatus('sweeping…');
}
let pendingSpec: SweepSpec | null = null;

function startOptimization(): void {
  if (loaded?.objective === undefined) return;
  lossPlot.reset();
  latest.optimize = nextId++;
  send({ type: 'optimize', id: latest.optimize, scene: effectiveScene(), iters: Math.round(optimizeSettings.iterations) });
  optimizeStatus('starting…');
}

function stopOptimization(): void {
  if (latest.optimize === 0) return;
  send({ type: 'cancel', kind: 'optimize' });
  latest.optimize = 0;
}

worker.onmessage = (event: MessageEvent<Reply>) => {
  const r = event.data;
  const kind: JobKind | null = r.type === 'track' ? 'simulate' : r.type === 'sweep' ? 'sweep' : r.type === 'iterate' ? 'optimize' : r.kind;
  if (kind === null || r.id !== latest[kind]) return; // a reply to a superseded request
  switch (r.type) {
    case 'track':
      trackMode = requestedMode;
      setTrack(r.track);
      break;
    case 'progress':
      updateStatus(`simulating ${Math.round((100 * r.done) / r.total)} %`);
      break;
    case 'sweep':
      if (pendingSpec !== null) sweepPanel.show(pendingSpec, r.curves, contact.mode);
      sweepDone = r.done;
      sweepErrors = Object.fromEntries(r.errors.map((e) => [e.mode, e.message]));
      sweepPanel.setStatus(
        (r.done ? 'jumps: bands where the gradient changes by > 8× its median step' : 'sweeping…') +
          r.errors.map((e) => `\n${e.mode}: ${e.message}`).join(''),
      );
      break;
    case 'iterate':
      lossPlot.push(r.iter, r.loss);
      optimizeStatus(`iteration ${r.iter}: loss ${r.loss.toExponential(3)} · ${r.names.map((n, j) => `${n} = ${r.x[j].toFixed(4)}`).join(', ')}`);
      if (r.track !== null) setTrack(r.track);
      break;
    case 'done':
      if (kind === 'optimize') optimizeStatus(`done · ${optimizeText.textContent ?? ''}`);
      break;
    case 'error':
      if (kind === 'sweep') sweepPanel.setStatus(`sweep failed: ${r.message}`);
      else showError(`${kind}: ${r.message}`);
      break;
  }
};

worker.onerror = (event) => showError(`worker: ${event.message}`);

// ---- controls (lil-gui) ----------------------------------------------------------------------
const gui = new GUI({ container: byId('gui'), title: 'diffcontact' });
const contactFolder = gui.addFolder('Contact (re-simulates)');
/** The mode menu's order: the smooth mode first. */
const MODE_OPTIONS: ContactMode[] = ['soft', 'penalty', 'hard'];
const modeControl = contactFolder
  .add(contact, 'mode', MODE_OPTIONS)
  .name('contact mode');
modeControl.onChange(() => {
  requestSimulation();
  sweepPanel.setPrimary(contact.mode);
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
  });
}
contactFolder.add(view, 'contacts').name('show contact forces').onChange(() => (viewport.showContacts = view.contacts));
contactFolder.add(view, 'speed', 0.05, 2).name('playback speed');

const sweepFolder = gui.addFolder('Gradient sweep');
let ofControl = sweepFolder.add(sweepSettings, 'of', ['']);
let wrtControl = sweepFolder.add(sweepSettings, 'wrt', ['']);
sweepFolder.add(sweepSettings, 'from').name('from');
sweepFolder.add(sweepSettings, 'to').name('to');
sweepFolder.add(sweepSettings, 'n', 2, 201, 1).name('points');
sweepFolder.add(sweepSettings, 'compute').name('compute sweep');

sweepFolder.close();

const optimizeFolder = gui.addFolder('Optimize objective');
optimizeFolder.close();
optimizeFolder.add(optimizeSettings, 'iterations', 1, 1000, 1);
const startControl = optimizeFolder.add(optimizeSettings, 'start').name('start (Adam, in the worker)');
optimizeFolder.add(optimizeSettings, 'stop').name('stop');
const optimizeText = document.createElement('div');
optimizeText.className = 'panel-status';
byId('loss').prepend(optimizeText);

function optimizeStatus(text: string): void {
  optimizeText.textContent = text;
}

/** Point the controls at a newly loaded scene. */
function refreshGui(scene: Scene): void {
  for (const c of [modeControl, ...numberControls]) c.updateDisplay();

  // sweep: the scene's quantities (components) and parameters
  const bodies = pathBodies(scene);
  const quantities = quantityPaths(bodies).filter((p) => p.split('.').length === 3);
  const params = paramPaths(bodies);
  const spec = defaultSweep(scene, (p) => readParam(scene, parseParamPath(p, bodies)));
  Object.assign(sweepSettings, spec ?? { of: quantities[0] ?? '', wrt: params[0] ?? '', from: 0, to: 1, n: DEFAULT_SWEEP_POINTS });
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
  optimizeStatus(scene.objective === undefined ? 'this scene has no objective to optimize' : `objective: ${scene.objective.of} → ${JSON.stringify(scene.objective.target)} over ${scene.objective.wrt.join(', ')}`);
}

// ---- scene picking, files, drag and drop --------------------------------------------------------------
for (const name of [...BUNDLED.keys()].sort()) ui.sceneSelect.add(new Option(name, name));
ui.sceneSelect.addEventListener('change', () => loadText(`${ui.sceneSelect.value}.json`, BUNDLED.get(ui.sceneSelect.value) ?? ''));
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

// ---- playback ------------------------------------------------------------------------------------
function setPlaying(on: boolean): void {
  playing = on;
  ui.play.textContent = on ? 'pause' : 'play';
}
ui.play.addEventListener('click', () => setPlaying(!playing));
ui.step.addEventListener('click', () => {
  setPlaying(false);
  if (track === null) return;
  const { frame } = locateTime(track.times, time);
  time = track.times[Math.min(frame + 1, track.times.length - 1)];
});
ui.timeline.addEventListener('input', () => {
  setPlaying(false);
  time = Number(ui.timeline.value);
});
window.addEventListener('keydown', (e) => {
  if (e.code === 'Space' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement)) {
    e.preventDefault();
    setPlaying(!playing);
  }
});

let lastTick = performance.now();
function tick(now: number): void {
  const elapsed = (now - lastTick) / 1000;
  lastTick = now;
  if (track !== null) {
    const duration = track.times[track.times.length - 1];
    if (playing) time = duration > 0 ? (time + elapsed * view.speed) % duration : 0;
    viewport.showAt(track, time);
    ui.timeline.value = String(time);
    ui.time.textContent = `${time.toFixed(3)} s`;
  }
  viewport.render();
  requestAnimationFrame(tick);
}

// ---- what the browser tests read ------------------------------------------------------------------
/** Read-only view of the page for tests and the console (`window.__viewer`). */
export interface ViewerProbe {
  readonly scene: string;
  readonly frames: number;
  readonly time: number;
  readonly playing: boolean;
  readonly error: string;
  /** the contact mode the shown track was simulated in */
  readonly trackMode: ContactMode | null;
  /** the sweep panel, whether the sweep finished, and per mode why it could not be computed */
  readonly sweep: SweepPanelState & { done: boolean; errors: Partial<Record<ContactMode, string>> };
  readonly lossPoints: number;
  bodyPosition(name: string): [number, number, number] | null;
  /** the contact arrows of the frame shown now: how many, and their normal forces summed, N */
  shownContacts(): { count: number; totalForce: number };
}
const probe: ViewerProbe = {
  get scene() { return sceneName; },
  get frames() { return track?.times.length ?? 0; },
  get time() { return time; },
  get playing() { return playing; },
  get error() { return lastError; },
  get trackMode() { return trackMode; },
  get sweep() { return { ...sweepPanel.state, done: sweepDone, errors: { ...sweepErrors } }; },
  get lossPoints() { return lossPlot.length; },
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
setPlaying(true);
loadText(`${first}.json`, BUNDLED.get(first) ?? '');
requestAnimationFrame(tick);
