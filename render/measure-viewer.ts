/**
 * Measures the viewer page as a person meets it, in Debian's Chromium (headless, software
 * GL, 1280×800): how long the first trajectory and the gradient sweep take after the page
 * loads, how many frames it draws and how much main-thread CPU it uses while paused, and
 * its frame rate while playing. Run it from any checkout to compare two versions:
 *
 *   npx tsx render/measure-viewer.ts [--root <checkout>] [--scenes a,b] [--sweep-timeout s] [--shots dir] [--json]
 *   npx tsx render/measure-viewer.ts --readme render/screenshot.png
 *
 * `--readme` writes the README's picture instead: bounce-to-target at full resolution with
 * shadows, after its sweep and the CLI's optimizer (auto, seed 1) with its verdict,
 * scrubbed to 0.6 s.
 *
 * `--optimize <scene>` compares the page's optimizer with the CLI's on a scene file
 * (`--seed`, default 1): both results and their wall times.
 *
 * A sweep unfinished at the timeout is stopped (the page's "stop sweep") before the frame
 * rates are measured. Frames are counted the same way for any version of the page: a frame is an animation
 * frame in which the 3-D canvas issued at least one WebGL draw call (a hook installed
 * before the page's scripts), so an old page without a frame counter is measured too.
 * Timings are wall clock on a shared machine: expect ±20 % between runs.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npx tsx render/measure-viewer.ts [options]

The viewer page's figures in Debian's Chromium (headless, software GL, 1280×800), per scene:
first frame (navigation → the first frame drawn with the trajectory, the page's clock),
first and whole track (wall clock from opening the page), the sweep's time and ms per point,
frames/s playing (and the CPU of all browser processes per frame: the frame's cost under
any load) and paused, main-thread CPU paused. An unfinished sweep is stopped at the timeout
and the page left 8 s before counting frames.

Options:
  --root <checkout>      measure another checkout's page (default: this one)
  --scenes a,b,…|all     scenes/<name>.json to measure (default: the six of issue 17; all: every scene shipped)
  --sweep-timeout <s>    stop an unfinished sweep after this long (default 120) before the frame rates
  --shots <dir>          a screenshot per scene
  --json                 one JSON document instead of lines
  --readme <png>         write the README's picture instead
  --optimize <scene>     the page's optimizer against the CLI's (--seed N, default 1)
  -h, --help             this text`;

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const VIEW = { width: 1280, height: 800 };
/** Window over which frames and CPU are counted, ms. */
const WINDOW_MS = 4000;
/** Wait after stopping an unfinished sweep before counting frames, ms. */
const SETTLE_MS = 8000;

/**
 * Installed before the page's scripts: counts animation frames with WebGL draw calls. A
 * string, not a function: the TypeScript loader would add helpers the page lacks.
 */
const FRAME_HOOK = `(() => {
  window.__drawFrames = 0;
  let drew = false;
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    for (const name of ['drawElements', 'drawArrays', 'drawElementsInstanced', 'drawArraysInstanced']) {
      const original = proto[name];
      if (typeof original !== 'function') continue;
      proto[name] = function (...a) {
        if (!drew) { drew = true; window.__drawFrames++; }
        return original.apply(this, a);
      };
    }
  }
  const loop = () => { drew = false; requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
})();`;

interface SceneFigures {
  scene: string;
  /** navigation start → the first frame drawn with the trajectory, s (the page's own clock; null: an older page without the figure) */
  firstFrameSeconds: number | null;
  /** load → first trajectory shown (its first frames, while the rest computes), s */
  firstTrackSeconds: number;
  /** load → the whole trajectory shown, s (the same as firstTrackSeconds on a page without partial tracks) */
  wholeTrackSeconds: number;
  /** load → the page's own mode's sweep curve complete, s (null: not reported by the page, or unfinished) */
  primarySweepSeconds: number | null;
  /** per mode: the sweep's start → its curve complete, s (the page's clock; empty on an older page) */
  modeSweepSeconds: Record<string, number>;
  /** per mode: the workers' compute time per grid point, ms (empty on an older page) */
  msPerPoint: Record<string, number>;
  /** sweep workers */
  workers: number | null;
  /** load → sweep done (all modes), s; null: not finished within the timeout */
  sweepSeconds: number | null;
  /**
   * CPU of all browser processes from the whole track (when the page starts the sweep) to
   * the sweep's end, s: the sweep's work (and the page's drawing meanwhile) whatever the
   * machine's load; wall time is at least this over the cores. Null when unfinished
   */
  sweepCpuSeconds: number | null;
  /** the sweep's own duration, its start (the whole track in) → done, s (the page's clock; null when unfinished) */
  sweepOwnSeconds: number | null;
  sweepPoints: Record<string, number>;
  /** frames drawn per second while playing */
  playingFps: number;
  /** CPU of all browser processes per frame drawn while playing, ms: the frame's cost, whatever the machine's load */
  playingCpuMsPerFrame: number;
  /** frames drawn per second while paused and idle */
  pausedFps: number;
  /** main-thread busy time while paused, % of one core */
  pausedCpuPercent: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      root: { type: 'string', default: resolve(import.meta.dirname, '..') },
      scenes: { type: 'string', default: 'bounce-to-target,ball-drop,billiards,box-slide,capsule-roll,boxes100' },
      'sweep-timeout': { type: 'string', default: '120' },
      shots: { type: 'string' },
      json: { type: 'boolean', default: false },
      readme: { type: 'string' },
      optimize: { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const root = resolve(values.root);
  const sweepTimeout = 1000 * Number(values['sweep-timeout']);
  const { build, preview } = await import('vite');
  const { chromium } = await import('playwright-core');
  const outDir = mkdtempSync(join(tmpdir(), 'diffcontact-measure-'));
  const configFile = join(root, 'vite.config.ts');
  await build({ configFile, root: join(root, 'render/app'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server = await preview({
    configFile,
    root: join(root, 'render/app'),
    logLevel: 'error',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const url = server.resolvedUrls?.local[0] ?? '';
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const context = await browser.newContext({ viewport: VIEW });
  // CPU time of every browser process (page, its workers, the GPU process doing SwiftShader's work, the browser)
  const browserCdp = await browser.newBrowserCDPSession();
  const processCpu = async (): Promise<number> => {
    const info = (await browserCdp.send('SystemInfo.getProcessInfo')) as { processInfo: { cpuTime: number }[] };
    return info.processInfo.reduce((sum, p) => sum + p.cpuTime, 0);
  };
  const out: SceneFigures[] = [];
  try {
    if (values.readme !== undefined) {
      await readmePicture(context, url, values.readme);
      return;
    }
    if (values.optimize !== undefined) {
      await compareOptimizers(context, url, root, values.optimize, Number(values.seed));
      return;
    }
    const scenes =
      values.scenes === 'all'
        ? readdirSync(join(root, 'scenes'))
            .filter((f) => f.endsWith('.json'))
            .map((f) => f.replace(/\.json$/, ''))
        : values.scenes.split(',');
    for (const scene of scenes) {
      const page = await context.newPage();
      await page.addInitScript({ content: FRAME_HOOK });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const t0 = Date.now();
      await page.goto(`${url}?scene=${scene}`);
      await page.waitForFunction('window.__viewer?.frames > 0', null, { timeout: 60_000, polling: 20 });
      const firstTrackSeconds = (Date.now() - t0) / 1000;
      await page.waitForFunction('window.__viewer.firstTrackFrameMs !== null', null, { timeout: 60_000, polling: 20 });
      const drawnMs = (await page.evaluate('window.__viewer.firstTrackFrameMs')) as number | undefined;
      const firstFrameSeconds = drawnMs === undefined ? null : drawnMs / 1000;
      await page.waitForFunction('window.__viewer.trackComplete !== false', null, { timeout: 120_000, polling: 20 });
      const wholeTrackSeconds = (Date.now() - t0) / 1000;
      const cpuAtTrack = await processCpu();
      let sweepSeconds: number | null = null;
      let sweepCpuSeconds: number | null = null;
      try {
        await page.waitForFunction('window.__viewer.sweep.done', null, {
          timeout: Math.max(1, sweepTimeout - (Date.now() - t0)),
          polling: 50,
        });
        sweepSeconds = (Date.now() - t0) / 1000;
        sweepCpuSeconds = (await processCpu()) - cpuAtTrack;
      } catch {
        sweepSeconds = null;
        // the frame rates below are the page's own, not shared with a sweep still computing
        await page.evaluate(() => {
          const stop = Array.from(document.querySelectorAll('#gui .lil-controller button')).find((b) =>
            b.textContent?.includes('stop sweep'),
          );
          (stop as HTMLButtonElement | undefined)?.click();
        });
      }
      type SweepProbe = {
        points: Record<string, number>;
        primarySeconds?: number | null;
        modeSeconds?: Record<string, number>;
        seconds: number;
        workers?: number;
        compute?: Record<string, { points: number; ms: number }>;
      };
      const sweep = await page.evaluate(
        () => (window as unknown as { __viewer: { sweep: SweepProbe } }).__viewer.sweep,
      );
      const sweepPoints = sweep.points;
      // the page's clock starts at the sweep's start; the figure is from load
      const primarySweepSeconds =
        sweep.primarySeconds === null || sweep.primarySeconds === undefined || sweepSeconds === null
          ? null
          : sweepSeconds - sweep.seconds + sweep.primarySeconds;
      const modeSweepSeconds = { ...sweep.modeSeconds };
      const msPerPoint = Object.fromEntries(
        Object.entries(sweep.compute ?? {}).map(([mode, c]) => [mode, Math.round(c.ms / c.points)]),
      );
      if (values.shots) {
        mkdirSync(values.shots, { recursive: true });
        await page.screenshot({ path: join(values.shots, `${scene}.png`) });
      }
      const rate = async (): Promise<{ fps: number; cpu: number; msPerFrame: number }> => {
        const c0 = await processCpu();
        const m0 = await cdp.send('Performance.getMetrics');
        const f0 = await page.evaluate(() => (window as unknown as { __drawFrames: number }).__drawFrames);
        const w0 = Date.now();
        await page.waitForTimeout(WINDOW_MS);
        const f1 = await page.evaluate(() => (window as unknown as { __drawFrames: number }).__drawFrames);
        const m1 = await cdp.send('Performance.getMetrics');
        const c1 = await processCpu();
        const wall = (Date.now() - w0) / 1000;
        const task = (m: { metrics: { name: string; value: number }[] }) =>
          m.metrics.find((x) => x.name === 'TaskDuration')?.value ?? 0;
        return {
          fps: (f1 - f0) / wall,
          cpu: (100 * (task(m1) - task(m0))) / wall,
          msPerFrame: (1000 * (c1 - c0)) / Math.max(1, f1 - f0),
        };
      };
      // a stopped sweep's point still in flight (seconds in hard mode on an older page) is not the page's drawing
      if (sweepSeconds === null) await page.waitForTimeout(SETTLE_MS);
      // playing (the page starts playing)
      const playing = await page.evaluate(
        () => (window as unknown as { __viewer: { playing: boolean } }).__viewer.playing,
      );
      if (!playing) await page.click('#play');
      const play = await rate();
      await page.click('#play');
      await page.waitForTimeout(500);
      const paused = await rate();
      out.push({
        scene,
        firstFrameSeconds,
        firstTrackSeconds,
        wholeTrackSeconds,
        primarySweepSeconds,
        modeSweepSeconds,
        msPerPoint,
        workers: sweep.workers ?? null,
        sweepSeconds,
        sweepCpuSeconds,
        sweepOwnSeconds: sweepSeconds === null ? null : sweep.seconds,
        sweepPoints,
        playingFps: play.fps,
        playingCpuMsPerFrame: play.msPerFrame,
        pausedFps: paused.fps,
        pausedCpuPercent: paused.cpu,
      });
      if (errors.length > 0) console.error(`${scene}: page errors: ${errors.join('; ')}`);
      if (!values.json) {
        const r = out[out.length - 1];
        console.log(
          `${scene.padEnd(17)} first frame ${r.firstFrameSeconds === null ? '?' : r.firstFrameSeconds.toFixed(1)} s after navigation · first track ${r.firstTrackSeconds.toFixed(1)} s (whole ${r.wholeTrackSeconds.toFixed(1)} s) · sweep ${r.sweepSeconds === null ? `unfinished after ${sweepTimeout / 1000} s` : `${r.sweepSeconds.toFixed(1)} s from load, ${r.sweepOwnSeconds?.toFixed(1)} s from its start, ${r.sweepCpuSeconds?.toFixed(1)} CPU-s`}${r.primarySweepSeconds === null ? '' : ` (page's mode ${r.primarySweepSeconds.toFixed(1)} s)`} (${JSON.stringify(r.sweepPoints)}; curves complete, from the sweep's start: ${
            Object.entries(r.modeSweepSeconds)
              .map(([m, t]) => `${m} ${t.toFixed(1)} s`)
              .join(', ') || '?'
          }; ms/point ${JSON.stringify(r.msPerPoint)} on ${r.workers ?? '?'} workers) · playing ${r.playingFps.toFixed(1)} fps (${r.playingCpuMsPerFrame.toFixed(1)} CPU-ms/frame, all browser processes) · paused ${r.pausedFps.toFixed(1)} fps, main thread ${r.pausedCpuPercent.toFixed(0)} % CPU`,
        );
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
  if (values.json) console.log(JSON.stringify(out, null, 2));
}

/** The page's optimizer against the CLI's on one scene file and seed: results and wall times. */
async function compareOptimizers(
  context: import('playwright-core').BrowserContext,
  url: string,
  root: string,
  scene: string,
  seed: number,
): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const out = mkdtempSync(join(tmpdir(), 'diffcontact-measure-cli-'));
  let t = Date.now();
  let cliText: string;
  try {
    cliText = execFileSync(
      process.execPath,
      [
        join(root, 'bin/diffcontact.js'),
        'optimize',
        join(root, `scenes/${scene}.json`),
        '--seed',
        String(seed),
        '--json',
        '--out',
        out,
      ],
      { encoding: 'utf8' },
    );
  } catch (err) {
    // exit 3: the verified result missed; the document is still printed
    cliText = (err as { stdout: string }).stdout;
  }
  const cliSeconds = (Date.now() - t) / 1000;
  rmSync(out, { recursive: true, force: true });
  const cli = JSON.parse(cliText) as {
    params: Record<string, number>;
    strategy: string;
    attempts?: { strategy: string }[];
    verification: { miss: number };
  };
  const page = await context.newPage();
  await page.goto(`${url}?scene=${scene}`);
  await page.waitForFunction('window.__viewer?.trackComplete', null, { timeout: 120_000 });
  await page.locator('#gui .lil-title', { hasText: 'Optimize objective' }).click();
  const seedInput = page.locator('#gui .lil-controller.lil-number').filter({ hasText: 'seed' }).locator('input');
  await seedInput.fill(String(seed));
  await seedInput.press('Enter');
  t = Date.now();
  await page.getByText('start (the CLI optimizer, in a worker)').click();
  await page.waitForFunction("window.__viewer.verdict !== ''", null, { timeout: 900_000 });
  const pageSeconds = (Date.now() - t) / 1000;
  const r = (await page.evaluate('window.__viewer.optimizeResult')) as {
    params: string[];
    x: number[];
    strategy: string;
    attempts?: { strategy: string }[];
    verification: { miss: number };
  };
  const rungs = (a?: { strategy: string }[]) => (a ?? []).map((x) => x.strategy).join(' → ');
  const diff = Math.max(...r.params.map((p, j) => Math.abs(r.x[j] - cli.params[p])));
  console.log(`${scene} --seed ${seed}`);
  console.log(
    `  CLI  (${cliSeconds.toFixed(1)} s, worker threads): ${rungs(cli.attempts)}; ${JSON.stringify(cli.params)}; verified miss ${cli.verification.miss.toExponential(3)}`,
  );
  console.log(
    `  page (${pageSeconds.toFixed(1)} s, one worker): ${rungs(r.attempts)}; ${JSON.stringify(Object.fromEntries(r.params.map((p, j) => [p, r.x[j]])))}; verified miss ${r.verification.miss.toExponential(3)}`,
  );
  console.log(`  largest parameter difference: ${diff.toExponential(2)}`);
}

/** The README's picture: a person's first look, with a sweep and an optimization done. */
async function readmePicture(
  context: import('playwright-core').BrowserContext,
  url: string,
  file: string,
): Promise<void> {
  const page = await context.newPage();
  await page.goto(`${url}?scene=bounce-to-target&pixelRatio=1&shadows=1`);
  await page.waitForFunction('window.__viewer?.trackComplete && window.__viewer.sweep.done', null, {
    timeout: 300_000,
  });
  await page.locator('#gui .lil-title', { hasText: 'Optimize objective' }).click();
  await page.getByText('start (the CLI optimizer, in a worker)').click();
  await page.waitForFunction("window.__viewer.verdict !== ''", null, { timeout: 300_000 });
  await page.locator('#gui .lil-title', { hasText: 'Optimize objective' }).click();
  await page.click('#play');
  await page.locator('#timeline').evaluate((el) => {
    (el as HTMLInputElement).value = '0.6';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForTimeout(500);
  await page.screenshot({ path: file });
  console.log(`${file}: ${await page.evaluate('window.__viewer.verdict')}`);
}

await main();
