// `diffcontact --version` (and -V) prints the version of package.json and exits 0, as the
// real binary and in process; it is not an unknown option any more.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, cliInProcess } from './cli-run.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('diffcontact --version', () => {
  it('prints the package version and exits 0 (binary)', async () => {
    const r = await cli('--version');
    expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('-V in process, and --help lists it', async () => {
    expect(await cliInProcess('-V')).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect((await cliInProcess('--help')).stdout).toMatch(/-V, --version\s+print the version of diffcontact/);
  });
});
