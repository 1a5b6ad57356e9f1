/**
 * `plaza serve` as a child process for the benchmarks: its event loop then does not share time
 * slices with the clients driven from the bench's own process, and its CPU can be read alone.
 */
import { spawn } from 'node:child_process';

export interface PlazaChild {
  /** The signaling URL (ws://...). */
  url: string;
  pid: number;
  /** SIGTERM, resolved once the child exited. */
  stop(): Promise<void>;
}

export interface PlazaChildOptions {
  /** Extra Node flags for the server process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** The address media binds and is announced on (default 127.0.0.1; signaling stays on 127.0.0.1). */
  mediaAddress?: string;
}

/** Starts a server on free ports with `dataDir`; resolves once it prints its signaling URL. */
export async function startPlazaChild(dataDir: string, options: PlazaChildOptions = {}): Promise<PlazaChild> {
  const media = options.mediaAddress ?? '127.0.0.1';
  const args = [...(options.nodeArgs ?? []), '--conditions=development', '--import', 'tsx', 'packages/server/src/cli.ts', 'serve'];
  const flags = ['--port', '0', '--rtc-port', '0', '--host', '127.0.0.1', '--rtc-bind', media, '--public-ip', media, '--data-dir', dataDir, '--log-level', 'warn'];
  const child = spawn(process.execPath, [...args, ...flags], { stdio: ['ignore', 'inherit', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const match = /signaling (ws:\/\/\S+?),? /.exec(err);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`plaza serve exited:\n${err}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
