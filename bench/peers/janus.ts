/**
 * Janus WebRTC Server (Debian package `janus` 1.1.2, `scripts/setup-janus.sh`) as the benchmark's
 * peer: start/stop it with the configs in bench/janus/, and drive its two data paths
 * (janus-videoroom.ts, janus-textroom.ts) through the same PeerDriver shape as Plaza.
 * Janus 1.1.2 gathers no candidate on a loopback interface: it runs on the host's own address
 * (bench/suite/address.ts), which the kernel routes locally like 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { hostAddress } from '../suite/address.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type { FanoutRoom, PeerDriver } from '../suite/driver.js';
export { textRoomDriver } from './janus-textroom.js';
export { videoRoomDriver, videoRoomMediaDriver } from './janus-videoroom.js';

export interface JanusProcess {
  pid: number;
  /** ws://127.0.0.1:8188 (bench/janus/janus.transport.websockets.jcfg). */
  wsUrl: string;
  /** Stops Janus (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

const CONFIG_DIR = fileURLToPath(new URL('../janus/', import.meta.url));
const HOST = '127.0.0.1';
const PORT = 8188;
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const POLL_MS = 20;
/** PLAZA_JANUS_KEEP_LOG=1 keeps Janus's log (its path is printed on stop) instead of deleting it. */
const KEEP_LOG = Boolean(process.env.PLAZA_JANUS_KEEP_LOG);
/** Where bench/janus/janus.jcfg expects the plugins (Debian, amd64). */
const CONFIGURED_LIB_DIR = '/usr/lib/x86_64-linux-gnu/janus';
/** The address bench/janus/janus.jcfg gives Janus for media (interface, ice_enforce_list). */
const CONFIGURED_MEDIA_IP = '127.0.0.1';


export async function startJanus(): Promise<JanusProcess> {
  // Something already on the port would take our requests (e.g. Debian's own janus.service when
  // not in the bench namespace): fail instead of benchmarking it.
  if (await accepts(HOST, PORT)) throw new Error(`${HOST}:${PORT} is already taken (another Janus?)`);
  const workDir = mkdtempSync(path.join(tmpdir(), 'plaza-janus-'));
  const logFile = path.join(workDir, 'janus.log');
  let configDir: string;
  try {
    configDir = configFolder(workDir);
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  // -o: no colour codes in the log; -N: nothing on stdout; -L: the log goes to a file. Under
  // overload Janus logs a warning per queued message (hundreds of MB): see removeWorkDir below.
  const args = ['-F', configDir, '-C', path.join(configDir, 'janus.jcfg'), '-o', '-N', '-L', logFile];
  // Core dumps off: Janus 1.1.2 sometimes dies of SIGFPE when SIGTERM arrives while it is still
  // tearing down just-closed peer connections (janus_sctp_association_destroy during shutdown),
  // and the 140 MB core would land in the bench's working directory. sh execs janus: same pid.
  // Same process group as the bench: a terminal's Ctrl-C also stops Janus.
  const child = spawn('sh', ['-c', 'ulimit -c 0 && exec janus "$@"', 'janus', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: workDir,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A failed spawn emits 'error' and possibly no 'exit': either ends it.
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = Promise.race([new Promise<void>((resolve) => child.once('exit', () => resolve())), spawnError]);
  let running = true;
  void exited.then(() => (running = false));
  // Last resort if the bench dies without calling stop(): no Janus left behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const removeWorkDir = () => {
    if (KEEP_LOG) console.error(`Janus log kept: ${logFile}`);
    else rmSync(workDir, { recursive: true, force: true });
  };
  const stop = async () => {
    process.off('exit', killOnExit);
    if (running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    removeWorkDir();
  };

  const deadline = performance.now() + START_TIMEOUT_MS;
  // Ready when the WebSockets transport accepts connections (it starts after the plugins).
  while (!(await accepts(HOST, PORT))) {
    const failure = await Promise.race([
      spawnError.then((e) => `could not run janus (${e.message})`),
      exited.then(() =>
        child.exitCode === 127 ? 'janus is not installed: run scripts/setup-janus.sh' : `janus exited during startup (code ${child.exitCode})`,
      ),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), POLL_MS)),
    ]);
    if (!failure && performance.now() < deadline) continue;
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
    await stop();
    throw new Error(`${failure ?? `janus did not listen on ${HOST}:${PORT} within ${START_TIMEOUT_MS} ms`}\n${stderr}${log}`);
  }
  // Janus has read its configs and holds the log open: unlinked now, the log's space is freed
  // when Janus exits, however the bench ends (a Ctrl-C skips stop()), and nothing is left in /tmp.
  if (!KEEP_LOG) removeWorkDir();
  return { pid: child.pid!, wsUrl: `ws://${HOST}:${PORT}`, stop };
}

/**
 * bench/janus itself when the Debian plugin folders are where its janus.jcfg says (amd64), so no
 * copy is needed: Janus only reads those files (rooms are created non-permanent). On another
 * architecture, a copy in workDir with the folders pointed at /usr/lib/<triplet>/janus.
 */
function configFolder(workDir: string): string {
  const mediaIp = hostAddress();
  let libDir = CONFIGURED_LIB_DIR;
  if (!existsSync(CONFIGURED_LIB_DIR)) {
    const triplet = readdirSync('/usr/lib').find((name) => existsSync(`/usr/lib/${name}/janus/plugins`));
    if (!triplet) throw new Error('Janus plugins not found under /usr/lib/*/janus: run scripts/setup-janus.sh');
    libDir = `/usr/lib/${triplet}/janus`;
  }
  if (libDir === CONFIGURED_LIB_DIR && mediaIp === CONFIGURED_MEDIA_IP) return CONFIG_DIR;
  const copy = path.join(workDir, 'etc');
  cpSync(CONFIG_DIR, copy, { recursive: true });
  const main = path.join(copy, 'janus.jcfg');
  const text = readFileSync(main, 'utf8')
    .replaceAll(CONFIGURED_LIB_DIR, libDir)
    .replace(`interface = "${CONFIGURED_MEDIA_IP}"`, `interface = "${mediaIp}"`)
    .replace(`ice_enforce_list = "${CONFIGURED_MEDIA_IP}"`, `ice_enforce_list = "${mediaIp}"`);
  writeFileSync(main, text);
  return copy;
}

/** Whether a TCP connection to host:port is accepted (then closed at once). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
