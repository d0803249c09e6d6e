// The viewer page in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// no browser download). The page is built by Vite into a temporary folder and served by
// Vite's preview server on 127.0.0.1 at a free port for the duration of the file.
// Without /usr/bin/chromium the file is skipped with a notice naming the install command.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODE_COLOURS as CLI_COLOURS } from '../../scenes/cli/plot.ts';
import { simulateRecorded } from '../../scenes/optimize/problem.ts';
import { parseScene } from '../../sim/scene.ts';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`\n[viewer tests] SKIPPED: ${CHROMIUM} not found. Install it with: ${INSTALL}\n`);
}

/** Standard deviation of luminance (0–255) below which a canvas counts as blank. */
const MIN_PIXEL_STD = 8;
/** Mean absolute per-channel difference (0–255) that counts as a changed image. */
const MIN_IMAGE_CHANGE = 0.5;
/** Half side of the square searched around a projected point for its colour, CSS px. */
const PIXEL_SEARCH = 4;
const G = 9.81; // m/s²
const execFileAsync = promisify(execFile);

type Page = import('playwright-core').Page;
type Context = import('playwright-core').BrowserContext;

describe.skipIf(!hasChromium)(
  `viewer in Chromium${hasChromium ? '' : ` (SKIPPED: no ${CHROMIUM}; install with: ${INSTALL})`}`,
  () => {
    let server: { close(): Promise<void>; resolvedUrls: { local: string[] } | null } | null = null;
    let context: Context | null = null;
    let page: Page;
    let url = '';
    const consoleErrors: string[] = [];
    const dirs: string[] = [];

    beforeAll(async () => {
      const { build, preview } = await import('vite');
      const { chromium } = await import('playwright-core');
      const outDir = mkdtempSync(join(tmpdir(), 'diffcontact-viewer-'));
      const profile = mkdtempSync(join(tmpdir(), 'diffcontact-chromium-'));
      dirs.push(outDir, profile);
      const configFile = join(import.meta.dirname, '../../vite.config.ts');
      await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
      server = await preview({
        configFile,
        logLevel: 'error',
        build: { outDir },
        preview: { host: '127.0.0.1', port: 0, strictPort: false },
      });
      url = server.resolvedUrls?.local[0] ?? '';
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1280, height: 800 },
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
      await page.goto(url);
      // the default scene's rollout and sweep come from the worker
      await page.waitForFunction(() => window.__viewer?.trackComplete && window.__viewer.sweep.done, null, {
        timeout: 120_000,
      });
    }, 180_000);

    afterAll(async () => {
      await context?.close();
      await server?.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    /** Luminance spread and raw pixels of a canvas (the 3-D view keeps its drawing buffer). */
    async function canvasPixels(selector: string): Promise<{ std: number; data: number[] }> {
      return page.evaluate((sel) => {
        const src = document.querySelector(sel) as HTMLCanvasElement;
        const copy = document.createElement('canvas');
        copy.width = src.width;
        copy.height = src.height;
        const ctx = copy.getContext('2d')!;
        ctx.drawImage(src, 0, 0);
        const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
        let sum = 0,
          sum2 = 0;
        const n = data.length / 4;
        for (let i = 0; i < data.length; i += 4) {
          const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
          sum += y;
          sum2 += y * y;
        }
        const mean = sum / n;
        // a coarse sample is enough to compare two images
        const sample: number[] = [];
        for (let i = 0; i < data.length; i += 4 * 97) sample.push(data[i], data[i + 1], data[i + 2]);
        return { std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), data: sample };
      }, selector);
    }

    /** The bounce-to-target ball's start (m, m/s) and radius, from the scene file. */
    function bounceBall(): { x0: number; z0: number; vx: number; vz: number; r: number } {
      const scene = JSON.parse(readFileSync(join(import.meta.dirname, '../../scenes/bounce-to-target.json'), 'utf8'));
      const ball = scene.bodies.find((b: { name: string }) => b.name === 'ball');
      const [x0, , z0] = ball.position as number[];
      const [vx, , vz] = ball.linearVelocity as number[];
      return { x0, z0, vx, vz, r: ball.shape.radius as number };
    }

    /**
     * Pixels of the 3-D canvas in a square around a CSS point (the drawing buffer may have
     * fewer pixels than CSS pixels), as [r, g, b] triples.
     */
    async function pixelsAround(point: [number, number]): Promise<number[][]> {
      return page.evaluate(
        ([x, y, half]) => {
          const src = document.querySelector('#viewport canvas') as HTMLCanvasElement;
          const scale = src.width / src.clientWidth;
          const copy = document.createElement('canvas');
          copy.width = src.width;
          copy.height = src.height;
          const ctx = copy.getContext('2d')!;
          ctx.drawImage(src, 0, 0);
          const x0 = Math.max(0, Math.round((x - half) * scale));
          const y0 = Math.max(0, Math.round((y - half) * scale));
          const side = Math.max(1, Math.round(2 * half * scale));
          const { data } = ctx.getImageData(x0, y0, side, side);
          const out: number[][] = [];
          for (let i = 0; i < data.length; i += 4) out.push([data[i], data[i + 1], data[i + 2]]);
          return out;
        },
        [point[0], point[1], PIXEL_SEARCH] as const,
      );
    }

    /** Whether any pixel is within `tolerance` (per channel, 0–255) of the CSS colour `hex`. */
    function hasColour(pixels: number[][], hex: string, tolerance: number): boolean {
      const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      return pixels.some((p) => p.every((v, k) => Math.abs(v - c[k]) <= tolerance));
    }

    async function nextFrames(): Promise<void> {
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    }

    function meanChange(a: number[], b: number[]): number {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
      return s / a.length;
    }

    async function setPlaying(on: boolean): Promise<void> {
      if ((await page.evaluate(() => window.__viewer.playing)) !== on) await page.click('#play');
    }

    async function scrubTo(t: number): Promise<[number, number, number]> {
      await page.locator('#timeline').evaluate((el, time) => {
        const input = el as HTMLInputElement;
        input.value = String(time);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }, t);
      // two animation frames: one to pose the meshes, one to draw them
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      return (await page.evaluate(() => window.__viewer.bodyPosition('ball')))!;
    }

    it('loads the default scene with no console errors', async () => {
      expect(await page.evaluate(() => window.__viewer.scene)).toBe('bounce-to-target.json');
      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(consoleErrors).toEqual([]);
    });

    it('draws the scene: the 3-D canvas is not blank', async () => {
      const { std } = await canvasPixels('#viewport canvas');
      expect(std).toBeGreaterThan(MIN_PIXEL_STD);
    });

    it('scrubbing the timeline moves the ball along its flight (closed form before the bounce)', async () => {
      const { x0, z0, vx, vz, r } = bounceBall();
      const t = 0.3; // s
      const zFree = z0 + vz * t - (G * t * t) / 2;
      expect(zFree - r).toBeGreaterThan(0.05); // still in the air: no contact yet
      const atStart = await scrubTo(0);
      const before = await canvasPixels('#viewport canvas');
      expect(atStart).toEqual([x0, 0, z0].map((v) => expect.closeTo(v, 9)));
      const later = await scrubTo(t);
      // interpolated between 60 Hz frames, semi-implicit Euler at 1 ms: well within 1 cm
      expect(Math.abs(later[0] - (x0 + vx * t))).toBeLessThan(0.01);
      expect(Math.abs(later[2] - zFree)).toBeLessThan(0.01);
      const after = await canvasPixels('#viewport canvas');
      expect(meanChange(before.data, after.data)).toBeGreaterThan(MIN_IMAGE_CHANGE);
      expect(await page.evaluate(() => window.__viewer.playing)).toBe(false);
    });

    it('switching the contact mode changes the sweep plot', async () => {
      const modeSelect = page.locator('#gui select').first();
      expect(await modeSelect.inputValue()).not.toBe('');
      const gradientPlot = '#sweep .uplot:nth-of-type(2) canvas';
      const softPlot = await canvasPixels(gradientPlot);
      const before = await page.evaluate(() => window.__viewer.sweep);
      expect(before.primary).toBe('soft');
      expect(before.modes).toEqual(expect.arrayContaining(['soft', 'penalty']));
      await modeSelect.selectOption({ label: 'penalty' });
      await page.waitForFunction(() => window.__viewer.sweep.primary === 'penalty');
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const penaltyPlot = await canvasPixels(gradientPlot);
      expect(meanChange(softPlot.data, penaltyPlot.data)).toBeGreaterThan(MIN_IMAGE_CHANGE);
      // hard contacts: offered like the others
      const hard = await page
        .locator('#gui select')
        .first()
        .evaluate((el) => {
          const o = Array.from((el as HTMLSelectElement).options).find((opt) => opt.value === 'hard')!;
          return { disabled: o.disabled, text: o.textContent };
        });
      expect(hard).toEqual({ disabled: false, text: 'hard' });
      // the re-simulation in penalty mode arrives without errors
      await page.waitForFunction(() => window.__viewer.trackComplete);
      expect(consoleErrors).toEqual([]);
    });

    it('a bad scene file shows a readable error naming the problem, and the page keeps working', async () => {
      const bad = { bodies: [{ name: 'ball', shape: { type: 'sphere', radius: -1 }, mass: 1 }] };
      await page.setInputFiles('#file', {
        name: 'bad-scene.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(bad)),
      });
      await expect.poll(() => page.locator('#error').isVisible()).toBe(true);
      const text = await page.locator('#error-text').textContent();
      expect(text).toMatch(/bad-scene\.json: invalid scene/);
      expect(text).toMatch(/bodies\[0\]\.shape\.radius/);
      await page.setInputFiles('#file', {
        name: 'broken.json',
        mimeType: 'application/json',
        buffer: Buffer.from('{ "bodies": ['),
      });
      await expect.poll(() => page.locator('#error-text').textContent()).toMatch(/broken\.json: not valid JSON/);
      expect(await page.evaluate(() => window.__viewer.scene)).toBe('bounce-to-target.json');
      expect(await page.evaluate(() => window.__viewer.frames)).toBeGreaterThan(0);
      await page.locator('#error-close').click();
    });

    it("runs the CLI's optimizer in a worker: the same result as `diffcontact optimize` for the scene and seed, its loss curve, and whether it reached the target", async () => {
      const seed = 3;
      // the CLI on the same scene file and seed, at the same time as the page
      const out = mkdtempSync(join(tmpdir(), 'diffcontact-viewer-cli-'));
      dirs.push(out);
      const cli = execFileAsync(
        process.execPath,
        [
          join(import.meta.dirname, '../../bin/diffcontact.js'),
          'optimize',
          join(import.meta.dirname, '../../scenes/bounce-to-target.json'),
          '--seed',
          String(seed),
          '--json',
          '--out',
          out,
        ],
        { timeout: 280_000 },
      ).then(
        (r) => r.stdout,
        // exit 3: the verified result missed (the document is still printed)
        (err: { code?: number; stdout?: string }) => (err.code === 3 && err.stdout ? err.stdout : Promise.reject(err)),
      );
      await page.locator('#gui .lil-title', { hasText: 'Optimize objective' }).click();
      const seedInput = page.locator('#gui .lil-controller.lil-number').filter({ hasText: 'seed' }).locator('input');
      await seedInput.fill(String(seed));
      await seedInput.press('Enter');
      await page.getByText('start (the CLI optimizer, in a worker)').click();
      await page.waitForFunction(() => window.__viewer.verdict !== '', null, { timeout: 280_000 });
      const result = (await page.evaluate(() => window.__viewer.optimizeResult))!;
      const report = JSON.parse(await cli) as {
        strategy: string;
        params: Record<string, number>;
        iterations: number;
        attempts?: { strategy: string }[];
        verification: { miss: number; success: boolean };
      };
      expect(result.strategy).toBe(report.strategy);
      expect(result.attempts?.map((a) => a.strategy)).toEqual(report.attempts?.map((a) => a.strategy));
      expect(result.iterations).toBe(report.iterations);
      // the same code on the same inputs: equal to rounding (two JavaScript engines' builds)
      result.params.forEach((p, j) =>
        expect(Math.abs(result.x[j] - report.params[p])).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(report.params[p])),
        ),
      );
      expect(Math.abs(result.verification.miss - report.verification.miss)).toBeLessThanOrEqual(1e-9);
      expect(result.verification.success).toBe(report.verification.success);
      console.log(
        `[viewer] optimize bounce-to-target --seed ${seed}: page ${JSON.stringify(result.x)} (${result.strategy}: ${result.attempts?.map((a) => a.strategy).join(' → ')}), CLI ${JSON.stringify(report.params)}`,
      );
      // the loss curve: every iteration of every rung, with its axis titles
      expect(await page.evaluate(() => window.__viewer.lossPoints)).toBeGreaterThan(1);
      expect(await page.evaluate(() => window.__viewer.lossAxisTitles)).toEqual([
        'iteration',
        'loss |ball.position − target|² [m²]',
      ]);
      const verdict = await page.evaluate(() => window.__viewer.verdict);
      // the CLI's check: the result simulated in hard mode, its miss against 1 cm
      const m =
        /^Target (NOT )?reached: verified in hard mode, \|ball\.position − target\| = ([\d.]+) (nm|µm|mm|m) against a tolerance of 10\.0 mm \(start: ([\d.]+) (mm|m);/.exec(
          verdict,
        );
      expect(m, verdict).not.toBeNull();
      expect(m![1] === undefined).toBe(report.verification.success);
      // the start is the scene file's launch, simulated in hard mode: its miss from the target
      const scene = parseScene(
        JSON.parse(readFileSync(join(import.meta.dirname, '../../scenes/bounce-to-target.json'), 'utf8')),
      );
      const { trajectory } = simulateRecorded({ ...scene, contact: { ...scene.contact, mode: 'hard' } });
      const target = scene.objective!.target as number[];
      const end = trajectory.frames[trajectory.frames.length - 1].bodies.ball.position;
      const startMiss = Math.hypot(end[0] - target[0], end[1] - target[1], end[2] - target[2]);
      const shownStart = Number(m![4]) * (m![5] === 'mm' ? 1e-3 : 1);
      expect(Math.abs(shownStart - startMiss)).toBeLessThan(0.005 * startMiss);
      expect(await page.locator('#loss .verdict-ok, #loss .verdict-miss').textContent()).toBe(verdict);
      // at 1280×800 the loss curve and the sweep are on screen without scrolling
      const bottoms = await page.evaluate(() =>
        ['#loss canvas', '#sweep canvas'].map((sel) => document.querySelector(sel)!.getBoundingClientRect().bottom),
      );
      for (const b of bottoms) expect(b).toBeLessThanOrEqual(800);
      await page.locator('#gui .lil-title', { hasText: 'Optimize objective' }).click();
      expect(consoleErrors).toEqual([]);
    }, 300_000);

    it('hard mode: re-simulates in the worker, the ball flies the closed form before its bounce, the sweep draws hard too', async () => {
      await page.locator('#gui select').first().selectOption({ label: 'hard' });
      await page.waitForFunction(() => window.__viewer.trackMode === 'hard' && window.__viewer.trackComplete, null, {
        timeout: 30_000,
      });
      expect(await page.locator('#status').textContent()).toMatch(/ · hard · /);
      const { x0, z0, vx, vz, r } = bounceBall();
      const t = 0.3; // s, before the first contact
      const zFree = z0 + vz * t - (G * t * t) / 2;
      expect(zFree - r).toBeGreaterThan(0.05);
      const at = await scrubTo(t);
      // interpolated between 60 Hz frames, semi-implicit Euler at 1 ms: well within 1 cm
      expect(Math.abs(at[0] - (x0 + vx * t))).toBeLessThan(0.01);
      expect(Math.abs(at[2] - zFree)).toBeLessThan(0.01);
      // the sweep was computed with every mode on load; the page's mode is now drawn bold
      await page.waitForFunction(() => window.__viewer.sweep.done && window.__viewer.sweep.primary === 'hard', null, {
        timeout: 60_000,
      });
      const sweep = await page.evaluate(() => window.__viewer.sweep);
      expect(sweep.modes).toEqual(['soft', 'penalty', 'hard']);
      expect(sweep.points.hard).toBe(sweep.points.soft);
      expect(sweep.errors).toEqual({});
      expect(consoleErrors).toEqual([]);
    });

    it('hard mode: a resting box is drawn with contact arrows whose forces add up to its weight', async () => {
      const scene = JSON.parse(readFileSync(join(import.meta.dirname, '../../scenes/box-slide.json'), 'utf8'));
      const box = scene.bodies.find((b: { name: string }) => b.name === 'box');
      await page.selectOption('#scene-select', 'box-slide');
      await page.waitForFunction(
        () =>
          window.__viewer.scene === 'box-slide.json' &&
          window.__viewer.trackMode === 'soft' &&
          window.__viewer.trackComplete,
        null,
        { timeout: 30_000 },
      );
      await page.locator('#gui select').first().selectOption({ label: 'hard' });
      await page.waitForFunction(() => window.__viewer.trackMode === 'hard' && window.__viewer.trackComplete, null, {
        timeout: 30_000,
      });
      // v/(μg) = 0.61 s: at rest long before the end (1.5 s)
      const stop = box.linearVelocity[0] / (scene.contact.friction * G);
      expect(stop).toBeLessThan(1);
      await scrubTo(1.2);
      const contacts = await page.evaluate(() => window.__viewer.shownContacts());
      // a box flat on the ground: its four bottom corners; each step's impulses cancel m·g·dt
      expect(contacts.count).toBe(4);
      expect(Math.abs(contacts.totalForce - box.mass * G)).toBeLessThan(1e-3 * box.mass * G);
      expect(consoleErrors).toEqual([]);
    });

    it('titles every sweep axis with its unit and lists each jump with its cause', async () => {
      await page.selectOption('#scene-select', 'bounce-to-target');
      await page.waitForFunction(
        () => window.__viewer.scene === 'bounce-to-target.json' && window.__viewer.sweep.done,
        null,
        { timeout: 140_000 },
      );
      const sweep = await page.evaluate(() => window.__viewer.sweep);
      expect(sweep.axisTitles).toEqual([
        'ball.linearVelocity.z [m/s]',
        'final ball.position.z [m]',
        'd ball.position.z / d ball.linearVelocity.z [s]',
      ]);
      expect(await page.locator('#sweep .u-title').allTextContents()).toEqual([
        'final ball.position.z',
        'd ball.position.z / d ball.linearVelocity.z',
      ]);
      const jumps = Object.values(sweep.jumps).reduce((a, b) => a + b, 0);
      expect(sweep.jumpCauses).toHaveLength(jumps);
      for (const line of sweep.jumpCauses)
        expect(line).toMatch(/^(soft|penalty|hard): between .+ m\/s and .+ m\/s, gradient [+−].+ s — .+/);
      // the legend states numbers at rest, and each mode in the CLI plots' colour
      const legend = await page.locator('#sweep .uplot').first().locator('.u-legend .u-series').allTextContents();
      for (const line of legend) expect(line).not.toMatch(/--/);
      const markers = await page
        .locator('#sweep .uplot')
        .first()
        .locator('.u-legend .u-series .u-marker')
        .evaluateAll((els) => els.map((e) => getComputedStyle(e).borderColor));
      const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      expect(markers.slice(1)).toEqual(sweep.modes.map((m) => rgb(CLI_COLOURS[m])));
      // the gradient readout at the scene's value, with its validity radius in the parameter's unit, per mode
      expect(sweep.readout).toHaveLength(2);
      expect(Object.keys(sweep.radius).sort()).toEqual(['hard', 'penalty', 'soft']);
      expect(sweep.readout[0]).toMatch(
        new RegExp(
          `^${sweep.primary} at 3\\.00 m/s: gradient .+ s, holds within ±[\\d.]+ (mm/s|µm/s|m/s) \\(nearest decision: step \\d+: ground/ball (onset|margin)`,
        ),
      );
      const band = sweep.band!;
      const radius = sweep.radius[sweep.primary]!;
      expect(band[1] - band[0]).toBeCloseTo(2 * radius, 12);
      expect((band[0] + band[1]) / 2).toBeCloseTo(3, 12);
      console.log(
        `[viewer] bounce-to-target sweep: ${Object.values(sweep.points).reduce((a, b) => a + b, 0)} points in ${sweep.seconds.toFixed(1)} s on ${sweep.workers} workers; ${sweep.readout[0]}`,
      );
    }, 150_000);

    it('draws the target marker and the trail where they are, and no trail when it is turned off', async () => {
      await setPlaying(false);
      await scrubTo(0);
      const target = await page.evaluate(() => window.__viewer.target);
      expect(target?.at).toEqual([1.2, 0, 0.25]);
      expect(hasColour(await pixelsAround(target!.screen), '#d100d1', 40)).toBe(true);
      // a trail point: the ball's closed-form flight at 0.3 s (the ball itself is at its start)
      const { x0, z0, vx, vz } = bounceBall();
      const t = 0.3;
      const onTrail = await page.evaluate((p) => window.__viewer.screenOf(p), [
        x0 + vx * t,
        0,
        z0 + vz * t - (G * t * t) / 2,
      ] as [number, number, number]);
      expect(await page.evaluate(() => window.__viewer.trails)).toEqual({ main: 1 });
      const soft = CLI_COLOURS.soft;
      expect(hasColour(await pixelsAround(onTrail), soft, 40)).toBe(true);
      await page.getByText('View', { exact: true }).click();
      await page.getByText('trails', { exact: true }).click();
      await nextFrames();
      expect(await page.evaluate(() => window.__viewer.trails)).toEqual({});
      expect(hasColour(await pixelsAround(onTrail), soft, 40)).toBe(false);
      await page.getByText('trails', { exact: true }).click();
      // the other kind of contact's trail, dashed, side by side
      await page.getByText('compare hard ↔ soft trail').click();
      await page.waitForFunction(() => window.__viewer.trails.compare === 1, null, { timeout: 30_000 });
      expect(await page.locator('#legend3d').textContent()).toMatch(/trails: soft hard \(dashed\)/);
      await page.getByText('compare hard ↔ soft trail').click();
      expect(await page.evaluate(() => window.__viewer.trails)).toEqual({ main: 1 });
      await page.getByText('View', { exact: true }).click();
      expect(await page.evaluate(() => window.__viewer.axesLength)).toBeGreaterThan(0);
    });

    it('marks the contact onset on the timeline when the ball lands (closed form: t = 0.724 s)', async () => {
      const { z0, vz, r } = bounceBall();
      const landing = (vz + Math.sqrt(vz * vz + 2 * G * (z0 - r))) / G;
      const onsets = await page.evaluate(() => window.__viewer.contactOnsets);
      expect(onsets).toHaveLength(1);
      // kept frames are 1/60 s apart; a soft contact starts a little before touching
      expect(Math.abs(onsets[0] - landing)).toBeLessThan(2 / 60);
    });

    it('draws nothing while paused and idle, and keeps drawing while playing', async () => {
      await setPlaying(false);
      await page.waitForTimeout(300);
      const atRest = await page.evaluate(() => window.__viewer.renderedFrames);
      await page.waitForTimeout(1500);
      expect(await page.evaluate(() => window.__viewer.renderedFrames)).toBe(atRest);
      expect(await page.evaluate(() => window.__viewer.playLabel)).toBe('▶ play');
      await setPlaying(true);
      expect(await page.evaluate(() => window.__viewer.playLabel)).toBe('❚❚ pause');
      const start = await page.evaluate(() => window.__viewer.renderedFrames);
      await page.waitForTimeout(1500);
      const played = (await page.evaluate(() => window.__viewer.renderedFrames)) - start;
      expect(played).toBeGreaterThan(1);
      console.log(
        `[viewer] playing: ${(played / 1.5).toFixed(1)} frames/s (${await page.evaluate(() => window.__viewer.glRenderer)})`,
      );
    });

    it("a loaded trajectory file shows its own name and its scene's objective, and the play label follows playback", async () => {
      await setPlaying(false);
      const scene = parseScene(
        JSON.parse(readFileSync(join(import.meta.dirname, '../../scenes/bounce-to-target.json'), 'utf8')),
      );
      const { trajectory } = simulateRecorded(scene);
      await page.setInputFiles('#file', {
        name: 'launch.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(trajectory)),
      });
      await page.waitForFunction(() => window.__viewer.scene === 'launch.json');
      expect(await page.evaluate(() => window.__viewer.sceneTitle)).toBe(
        'launch.json (a recorded trajectory, soft mode)',
      );
      expect(await page.evaluate(() => window.__viewer.objectiveText)).toMatch(
        /^Objective: ball\.position → \(1\.2, 0, 0\.25\) m at t = 1\.00 s/,
      );
      expect(await page.locator('#scene-select option:checked').textContent()).toBe('file: launch.json');
      // a new scene plays from the start, and says so
      expect(await page.evaluate(() => [window.__viewer.playing, window.__viewer.playLabel])).toEqual([
        true,
        '❚❚ pause',
      ]);
      expect(consoleErrors).toEqual([]);
    });

    it('writes a screenshot to test-artifacts/', async () => {
      await page.selectOption('#scene-select', 'bounce-to-target');
      await page.waitForFunction(() => window.__viewer.trackComplete && window.__viewer.sweep.done, null, {
        timeout: 30_000,
      });
      await scrubTo(0.6);
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/viewer.png' });
      expect(existsSync('test-artifacts/viewer.png')).toBe(true);
      expect(consoleErrors).toEqual([]);
    });
  },
);

declare global {
  interface Window {
    __viewer: import('../../render/app/main.ts').ViewerProbe;
  }
}
