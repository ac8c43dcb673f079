export * from './html';
export * from './privacy';
