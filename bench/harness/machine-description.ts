import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** Where the figures come from, printed with them: they mean little without it. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return (
    `node ${process.version}, ${availableParallelism()} cores (${cpu}), ` +
    `${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, load average ${formatLoad()}`
  );
}

export function formatLoad(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}
