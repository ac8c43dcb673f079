import type { CliCommand } from '../command';

/** Every operator command. Add yours here. */
export const COMMANDS: CliCommand[] = [];
