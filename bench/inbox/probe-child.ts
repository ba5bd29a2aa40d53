// Probes an SMTP port every PROBE_EVERY_MS from a process of its own, so that the clients of a
// benchmark never delay the probe; on SIGTERM it prints the times as one JSON line and exits.
import { startProbing } from './smtp-probe.js';

const probing = startProbing(Number(process.env.PROBE_PORT), Number(process.env.PROBE_EVERY_MS ?? 50));
process.stdout.write('probing\n');
process.once('SIGTERM', () => {
  void probing.stop().then((times) => {
    process.stdout.write(`${JSON.stringify(times.map((t) => (Number.isFinite(t) ? t : -1)))}\n`);
    process.exit(0);
  });
});
