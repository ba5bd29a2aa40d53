/** `nestjs-fumi/health`: the SMTP servers in `@nestjs/terminus` health checks. */
export { FumiHealthModule } from './fumi-health.module.js';
export {
  FumiHealthIndicator,
  type FumiDependency,
  type FumiHealthCheckOptions,
  type FumiServerHealth,
} from './fumi-health.indicator.js';
