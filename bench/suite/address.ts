/**
 * The address both servers announce for media in the suite: this host's own first non-internal
 * IPv4 address (PLAZA_BENCH_ADDRESS overrides it).
 *
 * Why not 127.0.0.1: Janus 1.1.2 gathers no candidate on a loopback interface, and libjuice (the
 * ICE agent of every Node client) gathers none there either, so a client's only host candidate is
 * this address. Against a server that announces 127.0.0.1, each connectivity check then arrives
 * from an address the server was not told of (peer-reflexive), which cost Plaza's joins ~100 ms of
 * extra ICE rounds. Traffic to a local address never leaves the machine: the kernel routes it
 * through `lo`, so this is loopback in all but name, the same path for both servers.
 */
import { networkInterfaces } from 'node:os';

export function hostAddress(): string {
  const override = process.env.PLAZA_BENCH_ADDRESS;
  if (override) return override;
  for (const addresses of Object.values(networkInterfaces())) {
    const own = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (own) return own.address;
  }
  throw new Error('no non-loopback IPv4 address on this host (Janus and libjuice skip loopback): set PLAZA_BENCH_ADDRESS');
}
