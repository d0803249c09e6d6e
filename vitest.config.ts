import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects, both run by `npm test`: `unit` (the AD core, the simulator, the viewer's
 * pure helpers and the API's argument checks: in-process, seconds each) and `integration`
 * (everything that starts processes, browsers, servers or long end-to-end runs: the CLI,
 * optimization, the event-driven reference's property suite, the packed tarball, Chromium,
 * redis-server). `npm run test:unit` runs the first alone.
 */
const UNIT = [
  'test/ad/**/*.test.ts',
  'test/sim/**/*.test.ts',
  'test/render/{adapter,jobs,track,units}.test.ts',
  'test/api/api.test.ts',
];

export default defineConfig({
  // tests written as a user writes them (`import … from 'diffcontact'`) run against the sources
  resolve: {
    alias: [{ find: /^diffcontact$/, replacement: fileURLToPath(new URL('./api/index.ts', import.meta.url)) }],
  },
  test: {
    testTimeout: 60_000,
    // one fixed seed for the property tests unless FC_SEED says otherwise (test/fast-check-seed.ts)
    setupFiles: ['test/fast-check-seed.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...UNIT] },
      },
    ],
  },
});
