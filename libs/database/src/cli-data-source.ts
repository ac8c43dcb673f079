// Data source for the TypeORM CLI (e.g. `npx typeorm migration:show -d dist/libs/database/src/cli-data-source.js`).
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { dataSourceOptions } from './data-source';

export default new DataSource(dataSourceOptions(loadConfig().databaseUrl));
