export { metricsRoutes } from './routes.js';
export { metricsMiddleware, renderMetrics } from './service.js';
