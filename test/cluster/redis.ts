/**
 * Real parts for the cluster tests: Debian's redis-server on a free 127.0.0.1 port (no
 * persistence, so a restart loses every job, the harder case), and `diffcontact worker`
 * processes. The workers run the CLI's TypeScript sources through tsx (as bin/diffcontact.js
 * does in a checkout without a fresh build), never dist/: the test objectives of
 * fixtures.ts exist only as sources, and the client side runs the sources too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const haveRedis = existsSync(REDIS_SERVER);

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port (or rejects after `ms`). */
async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ port, host: '127.0.0.1' }, () => {
        sock.end();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server the test controls. */
export class RedisServer {
  private proc: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.up();
    return server;
  }

  /** Start (again) on the same port, empty. */
  async up(): Promise<void> {
    this.proc = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitForPort(this.port);
  }

  /** Stop it (SIGKILL: nothing is saved) and wait until it has exited. */
  async down(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p === null || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }
}

const CLI = fileURLToPath(new URL('../../scenes/cli.ts', import.meta.url));

/** A `diffcontact worker` process. */
export interface WorkerProcess {
  pid: number;
  proc: ChildProcess;
  log: string[];
}

/** Start `diffcontact worker --cluster url` with a short job lock (so a dead worker's job moves on quickly). */
export function startWorker(url: string, lockMs: number): WorkerProcess {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'worker', '--cluster', url, '--concurrency', '1', '--lock-ms', String(lockMs)],
    {
      // --import resolves tsx from the working directory: the checkout's root
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const log: string[] = [];
  proc.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  return { pid: proc.pid as number, proc, log };
}

/** Stop a worker process (SIGKILL) and wait for it. */
export async function killWorker(w: WorkerProcess): Promise<void> {
  if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    w.proc.once('exit', () => resolve());
    w.proc.kill('SIGKILL');
  });
}
