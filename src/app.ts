import express, { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { DEFAULT_RATE_LIMIT, type Config } from './config.js';
import { requestIdMiddleware } from './http/requestId.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { mountRoutes, type RouteSpec } from './http/route.js';
import { buildOpenApi } from './http/openapi.js';
import { consoleRouter } from './http/console.js';
import { databaseReady } from './db/connection.js';
import { corsPolicy, maskResponses, rateLimits, rejectMalformedUri, rejectUnsafeKeys, securityHeaders } from './http/security.js';
import { authRoutes, createAuthenticator } from './modules/auth/index.js';
import { auditRoutes } from './modules/audit/index.js';
import { enterpriseRoutes } from './modules/enterprises/index.js';
import { recordRoutes } from './modules/records/index.js';
import { importRoutes } from './modules/imports/index.js';
import { publicityRoutes } from './modules/publicity/index.js';
import { repairRoutes } from './modules/repair/index.js';
import { gradingRoutes } from './modules/grading/index.js';
import { commitmentRoutes } from './modules/commitments/index.js';
import { dishonestyRoutes } from './modules/dishonesty/index.js';
import { calendarRoutes } from './modules/calendar/index.js';
import { metricsMiddleware, metricsRoutes } from './modules/metrics/index.js';

/** Every API route, in mount order. */
export const apiRoutes: RouteSpec[] = [...authRoutes, ...enterpriseRoutes, ...recordRoutes, ...importRoutes, ...publicityRoutes, ...repairRoutes, ...gradingRoutes, ...commitmentRoutes, ...dishonestyRoutes, ...calendarRoutes, ...auditRoutes, ...metricsRoutes];

/**
 * What the app needs from the configuration; unset JWT = API keys only, unset CORS = none, unset limits = defaults,
 * unset consoleDir = the Vite build in dist/web.
 */
export type AppOptions = Pick<Config, 'bodyLimit'> & Partial<Pick<Config, 'jwt' | 'corsOrigins' | 'rateLimit'>> & { consoleDir?: string };

export const API_VERSION = '0.1.0';

/** Builds the express app without listening, so tests mount it directly. */
export function createApp(config: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestIdMiddleware);
  app.use(metricsMiddleware);
  app.use(securityHeaders());
  const cors = corsPolicy(config.corsOrigins ?? []);
  if (cors) app.use(cors);
  app.use(rejectMalformedUri);

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
  for (const limit of rateLimits(config.rateLimit ?? DEFAULT_RATE_LIMIT)) api.use(limit);
  api.use(express.json({ limit: config.bodyLimit, strict: true }));
  api.use(rejectUnsafeKeys);
  api.use(maskResponses);
  mountRoutes(api, apiRoutes, { authenticator: createAuthenticator({ jwt: config.jwt }) });
  app.use('/api/v1', api);
  app.use(consoleRouter(config.consoleDir));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
