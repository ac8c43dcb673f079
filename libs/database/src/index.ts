export * from './entities';
export * from './data-source';
export * from './database.module';
export { MIGRATIONS } from './migrations';
export * from './pg-pool';
