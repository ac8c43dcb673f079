export * from './html';
export * from './privacy';
export * from './clock';
export * from './ids';
export * from './periodic-task';
export * from './coalescer';
export * from './weighted-semaphore';
export * from './settle-in-lanes';
