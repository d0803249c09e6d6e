#!/usr/bin/env node
// The `diffcontact` command: runs the TypeScript CLI in scenes/cli.ts through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../scenes/cli.ts');
