import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // tests written as a user writes them (`import … from 'diffcontact'`) run against the sources
  resolve: { alias: [{ find: /^diffcontact$/, replacement: fileURLToPath(new URL('./api/index.ts', import.meta.url)) }] },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
