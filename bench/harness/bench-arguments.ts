import { parseArgs } from 'node:util';
import type { ServerVariant } from './ipc-messages.js';

export interface BenchArguments {
  /** Smaller workloads and fewer runs: the whole bench within two minutes. */
  quick: boolean;
  runs: number;
  /** Workload names to run (all when empty). */
  only: string[];
  variants: ServerVariant[];
  /** Skip measuring the load generator against the sink. */
  ceiling: boolean;
  /** Write a CPU profile of every measured server run into this directory. */
  profileDir: string | undefined;
  /** `false` (`--no-spool-file`): the FumiModule servers run with `spoolDirectory: false`. */
  spoolFile: boolean;
}

const USAGE = `npm run bench -- [--quick] [--runs N] [--only name,name] [--variants raw,plain,full] [--no-ceiling] [--profile DIR] [--no-spool-file]`;

export function parseBenchArguments(argv: readonly string[]): BenchArguments {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string', default: '' },
      variants: { type: 'string', default: 'raw,plain,full' },
      'no-ceiling': { type: 'boolean', default: false },
      profile: { type: 'string' },
      'no-spool-file': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const runs = values.runs === undefined ? (values.quick ? 3 : 5) : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer\n${USAGE}`);
  const variants = values.variants.split(',').filter(Boolean) as ServerVariant[];
  for (const variant of variants) {
    if (!['raw', 'plain', 'full'].includes(variant)) throw new Error(`unknown variant "${variant}"\n${USAGE}`);
  }
  return {
    quick: values.quick,
    runs,
    only: values.only.split(',').filter(Boolean),
    variants,
    ceiling: !values['no-ceiling'],
    profileDir: values.profile,
    spoolFile: !values['no-spool-file'],
  };
}
