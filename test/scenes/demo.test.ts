// `npm start` (scenes/demo.ts) at test size: it says the gradient at the start is zero,
// reaches push-box's goal verified in hard mode, prints the final miss it returns, and
// writes the three outputs where it says.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../scenes/demo.ts';
import { pushBox } from '../../scenes/optimize/push-box.ts';

const dir = mkdtempSync(join(tmpdir(), 'diffcontact-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start: the end-to-end demo', () => {
  it('push-box: zero gradient at the start, the goal reached in hard mode, outputs written and named', async () => {
    const lines: string[] = [];
    const result = await runDemo({ size: 'test', out: dir, print: (l) => lines.push(l) });
    const text = lines.join('\n');
    expect(text).toMatch(/largest \|∂loss\/∂f\| = 0 in hard mode/);
    expect(result.success).toBe(true);
    expect(result.miss).toBeLessThanOrEqual(pushBox('test').tolerance);
    expect(text).toContain(`final miss ${(100 * result.miss).toFixed(2)} cm`);
    expect(text).toContain('in hard mode');
    for (const f of result.files) {
      expect(existsSync(f)).toBe(true);
      expect(text).toContain(f);
    }
    expect(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')).verification.mode).toBe('hard');
  });
});
