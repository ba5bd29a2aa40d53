import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { FumiHealthModule } from '../../lib/health/index.js';
import { FumiMetricsModule } from '../../lib/metrics/index.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { OpsController } from './ops.controller.js';

/** `/health` for the load balancer, `/metrics` for Prometheus. */
@Module({
  imports: [TerminusModule.forRoot(), FumiHealthModule, FumiMetricsModule.forRoot({}), DeliveryModule],
  controllers: [OpsController],
})
export class OpsModule {}
