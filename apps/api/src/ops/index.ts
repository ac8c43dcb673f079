export { OpsModule } from './ops.module';
export { configureOps } from './configure-ops';
