/** Injection token for the clock, so tests can move time. Default: Date.now. */
export const CLOCK = Symbol('CLOCK');
export type Clock = () => number;
