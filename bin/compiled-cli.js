// Running the compiled CLI (dist/cli/cli.cjs: scenes/cli/main.ts bundled into one CommonJS
// file by scripts/bundle-cli.ts) with V8's code cache of it (dist/cli/cli.cache). Node 20
// keeps no compiled code between runs (node 22's module.enableCompileCache does), so each
// start parsed the bundle and compiled every function it ran: a third of what the CLI added
// to node's own start. vm.Script takes compiled code back: after a run, the bytecode of every
// function that run compiled is saved (`createCachedData`), and later starts hand it in.
//
// V8 accepts a cache made by the same V8 version with the same V8 flags for a source of the
// same length and rejects any other (`cachedDataRejected`): the script then compiles as it
// would without one, so a stale cache only costs time. A run that had no cache, or had it
// rejected (another node, a rebuilt bundle), writes a new one when its command is done,
// unless node was started with options (`node --max-old-space-size=… bin/diffcontact.js`):
// V8 flags make a cache that plain runs reject, and the two would replace each other's. The
// build makes the first (scripts/build.ts runs `simulate` once); the package's tarball ships
// none, so an installed copy makes its own on its first run, for the node that runs it.
const { readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

// node's CommonJS wrapper: the bundle sees the names a required module sees, and __import. On
// the bundle's first line, so line numbers in stack traces are the file's.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname, __import) { ';
const WRAPPER_TAIL = '\n})';

/**
 * The bundle's `import(x)` (written `__import(x)`, scripts/bundle-cli.ts): node 20 runs
 * `import()` in a vm.Script only with --experimental-vm-modules, so this module imports for
 * it. Its specifiers are package names (vega, bullmq) and absolute URLs (worker objectives),
 * which resolve the same from bin/ as from dist/cli/.
 */
const importForBundle = (specifier) => import(specifier);

/** The contents of `file`, or undefined when there is no such file. */
function readIfPresent(file) {
  try {
    return readFileSync(file);
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Write `script`'s code cache to `cache` (through a temporary file and a rename, so a run
 * starting meanwhile reads a whole cache or none). A failure is not the command's: a package
 * installed where its user cannot write (a global install owned by root) runs without a
 * cache, as node 20 runs every ES module, so the error is dropped.
 */
function saveCodeCache(script, cache) {
  const partial = `${cache}.${process.pid}.partial`;
  try {
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, cache);
  } catch {
    rmSync(partial, { force: true });
  }
}

/**
 * Run `diffcontact …argv` from the compiled `bundle` with the code cache at `cache`;
 * resolves to the exit code. The cache is (re)written after the command when it was missing
 * or rejected and node runs without options.
 */
function runCompiledCli(bundle, cache, argv) {
  const cachedData = readIfPresent(cache);
  const script = new vm.Script(WRAPPER_HEAD + readFileSync(bundle, 'utf8') + WRAPPER_TAIL, {
    filename: bundle,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle), importForBundle);
  return module.exports.main(argv).then((code) => {
    const plainNode = process.execArgv.length === 0 && !process.env.NODE_OPTIONS;
    if ((cachedData === undefined || script.cachedDataRejected) && plainNode) saveCodeCache(script, cache);
    return code;
  });
}

module.exports = { runCompiledCli };
