import type { CliCommand } from '../command';
import { articlesImportCommand } from './articles-import.command';
import { digestSendCommand } from './digest-send.command';
import { seedCommand } from './seed.command';
import { subscribersEraseCommand } from './subscribers-erase.command';

/** Every operator command. Add yours here. */
export const COMMANDS: CliCommand[] = [subscribersEraseCommand, seedCommand, articlesImportCommand, digestSendCommand];
