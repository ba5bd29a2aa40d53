import { FumiMetricsOptionsError } from './fumi-metrics-options.error.js';
import type { FumiMetricsModuleOptions } from './fumi-metrics-options.interface.js';

const KEYS = ['registry', 'prefix', 'durationBuckets', 'sizeBuckets', 'collectDefaultMetrics'] as const;
/** Prometheus metric names: letters, digits, underscores and colons, not starting with a digit. */
const METRIC_NAME_START = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

/** Refuses, at bootstrap, options prom-client would reject later or silently misuse. */
export function validateFumiMetricsOptions(options: FumiMetricsModuleOptions): void {
  const fail = (option: string, problem: string): never => {
    throw new FumiMetricsOptionsError(option, problem);
  };
  const unknown = Object.keys(options).find((key) => !(KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) fail(unknown, `is not a known option (known: ${KEYS.join(', ')})`);
  const { registry, prefix, collectDefaultMetrics } = options;
  if (registry !== undefined && (typeof registry !== 'object' || registry === null || typeof registry.registerMetric !== 'function')) {
    fail('registry', "must be a prom-client Registry (e.g. prom-client's register)");
  }
  if (prefix !== undefined && (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME_START.test(prefix)))) {
    fail('prefix', `must be letters, digits, "_" or ":" and not start with a digit, got ${show(prefix)}`);
  }
  for (const key of ['durationBuckets', 'sizeBuckets'] as const) {
    const buckets = options[key];
    if (buckets === undefined) continue;
    const increasing = Array.isArray(buckets) && buckets.length > 0 && buckets.every((b, i) => typeof b === 'number' && b > 0 && (i === 0 || b > buckets[i - 1]!));
    if (!increasing) fail(key, `must be increasing positive numbers, got ${show(buckets)}`);
  }
  if (collectDefaultMetrics !== undefined && typeof collectDefaultMetrics !== 'boolean') {
    fail('collectDefaultMetrics', `must be true or false, got ${show(collectDefaultMetrics)}`);
  }
}
