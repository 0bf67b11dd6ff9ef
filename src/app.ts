import express, { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Config } from './config.js';
import { requestIdMiddleware } from './http/requestId.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { mountRoutes, type RouteSpec } from './http/route.js';
import { buildOpenApi } from './http/openapi.js';
import { databaseReady } from './db/connection.js';
import { authRoutes } from './modules/auth/index.js';
import { enterpriseRoutes } from './modules/enterprises/index.js';

/** Every API route, in mount order. */
export const apiRoutes: RouteSpec[] = [...authRoutes, ...enterpriseRoutes];

export const API_VERSION = '0.1.0';

/** Builds the express app without listening, so tests mount it directly. */
export function createApp(config: Pick<Config, 'bodyLimit'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestIdMiddleware);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ok = await databaseReady();
    res.status(ok ? 200 : 503).json(ok ? { status: 'ready' } : { status: 'unavailable', database: 'unreachable' });
  });

  const openapi = buildOpenApi(apiRoutes, API_VERSION);
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: '安全生产信用监管服务 API' }));

  const api = Router();
  api.use(express.json({ limit: config.bodyLimit, strict: true }));
  mountRoutes(api, apiRoutes);
  app.use('/api/v1', api);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
