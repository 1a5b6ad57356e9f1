/**
 * Runs the benchmark inside a private network namespace, where Janus can use 127.0.0.1.
 *
 * Why: Janus 1.1.2 skips loopback *interfaces* when it gathers ICE candidates, so on a normal host
 * it offers no 127.0.0.1 candidate and clients on the same machine cannot reach it over loopback
 * (../shared/design/BENCHMARKS.md). In a fresh namespace we bring `lo` up and also put 127.0.0.1/32
 * on one end of a veth pair: a non-loopback interface Janus accepts (bench/janus/janus.jcfg enforces
 * that address), while the kernel still delivers 127.0.0.1 locally. IPv6 is left on in there: with it
 * off, joins took ~1 s (a DTLS resend). Plaza, Janus and every Node client then share the namespace,
 * so both servers see the same loopback network, and nothing in it can reach the outside.
 *
 * `unshare` cannot move a running process, so the bench re-executes itself under `unshare -n`.
 *
 * A side effect to know (found with bench/peers): in here, glibc's getaddrinfo(AI_ADDRCONFIG)
 * refuses IPv4 literals such as 127.0.0.1 (it sees IPv6 link-local addresses on the veth but no
 * IPv4 address it counts, as 127.0.0.1 is never counted). libdatachannel resolves *trickled*
 * remote candidates that way, so addRemoteCandidate('... 127.0.0.1 ...') is silently dropped;
 * candidates inside an SDP are parsed by libjuice itself and work. Janus sends its candidates in
 * its SDP (half-trickle), so the Janus drivers are unaffected; so does Plaza's server. Every client
 * binds ICE to 127.0.0.1 (node-datachannel `bindAddress`): libjuice gathers nothing on loopback
 * otherwise. (Adding another IPv4 address to the namespace also makes things connect, but it
 * changes Janus's numbers: TextRoom joins then took ~1 s, VideoRoom ones ~30 ms.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';

/** Set to '1' in the re-executed child; any other non-empty value also stops a re-exec (opt-out). */
const ENV_FLAG = 'PLAZA_BENCH_NETNS';
const VETH = 'plazabench0';
const VETH_PEER = 'plazabench1';

/**
 * Shell run inside the new namespace before the bench. Both veth ends go up: an interface whose
 * peer is down has no carrier (not RUNNING), and ICE gatherers may skip it.
 */
const PROLOGUE = [
  'set -e',
  'ip link set lo up',
  `ip link add ${VETH} type veth peer name ${VETH_PEER}`,
  `ip addr add 127.0.0.1/32 dev ${VETH}`,
  // Down on purpose: glibc counts its address, ICE gatherers skip it (see above).

  `ip link set ${VETH} up`,
  `ip link set ${VETH_PEER} up`,
].join('\n');

/** True in the re-executed bench process (inside the namespace). */
export function inBenchNamespace(): boolean {
  return process.env[ENV_FLAG] === '1';
}

/**
 * Outside the namespace: re-runs this process (same node, execArgv and argv, inherited stdio) in a
 * new network namespace and exits with its exit code; this promise never resolves there. Inside
 * (or when PLAZA_BENCH_NETNS is set otherwise): returns at once. When namespaces are not permitted
 * it prints a warning and returns: the caller runs without one (Janus will then likely not connect).
 */
export async function ensureNetworkNamespace(): Promise<void> {
  if (process.env[ENV_FLAG]) return;
  const unshareArgs = findUnshareArgs();
  if (!unshareArgs) {
    console.warn(
      `warning: cannot create a network namespace (needs root or unprivileged user namespaces, and ` +
        `iproute2's \`ip\`); running without one, so Janus will likely fail to connect over loopback.`,
    );
    process.env[ENV_FLAG] = 'unavailable';
    return;
  }
  // `unshare` execs sh in the new namespace, and sh execs node: the child pid is the bench itself,
  // so the signals we forward reach it directly.
  const child = spawn(
    'unshare',
    [...unshareArgs, 'sh', '-c', `${PROLOGUE}\nexec "$@"`, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, [ENV_FLAG]: '1' } },
  );
  // A terminal's Ctrl-C already reaches the child (same foreground process group): don't let it
  // end this parent first; the child's exit ends it. A SIGTERM/SIGHUP sent to us alone is passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number>((resolve) => {
    child.on('error', (error) => {
      console.error(`bench: could not start unshare: ${error.message}`);
      resolve(1);
    });
    // Killed by a signal: report it the way a shell does (128 + its number).
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  process.exit(code);
}

/**
 * The unshare flags that work here, found by running the prologue itself in a throwaway
 * namespace (~10 ms): root (or CAP_SYS_ADMIN) needs only `-n`; a normal user can still get one
 * inside a user namespace where it is mapped to root. Null when neither works.
 */
function findUnshareArgs(): string[] | null {
  for (const args of [['--net'], ['--net', '--map-root-user']]) {
    const probe = spawnSync('unshare', [...args, 'sh', '-c', PROLOGUE], { stdio: 'ignore' });
    if (probe.status === 0) return args;
  }
  return null;
}
