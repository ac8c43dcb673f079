import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ALL_QUEUES } from '@app/queues';
import { isAdminRequest } from '../common/admin-auth.guard';

export const QUEUE_BOARD_ROUTE = '/admin/queues';

/** The board runs its own express app, which would announce itself (X-Powered-By) where the API does not. */
class BoardExpressAdapter extends ExpressAdapter {
  constructor() {
    super();
    this.app.disable('x-powered-by');
  }
}

/** Basic auth (admin:ADMIN_TOKEN) or the bearer token, before any board route; a browser gets the login prompt. */
export function adminOnly(adminToken: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isAdminRequest(req.headers.authorization, adminToken)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="Dispatch admin", charset="UTF-8"');
    res.status(401).json({ statusCode: 401, message: 'a valid admin token is required' });
  };
}

/** Bull Board at /admin/queues with every queue of the contract. */
export const queueBoardModules = [
  BullBoardModule.forRootAsync({
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => ({
      route: QUEUE_BOARD_ROUTE,
      // @bull-board/express 9.10.1 carries its own copy of @bull-board/api: same shape, distinct types.
      adapter: BoardExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
      middleware: adminOnly(config.adminToken),
      boardOptions: { uiConfig: { boardTitle: 'Dispatch queues' } },
    }),
  }),
  BullBoardModule.forFeature(...ALL_QUEUES.map((name) => ({ name, adapter: BullMQAdapter }))),
];
