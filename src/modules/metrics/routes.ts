import { defineRoutes } from '../../http/route.js';
import { renderMetrics } from './service.js';

export const metricsRoutes = defineRoutes([
  {
    method: 'get',
    path: '/metrics',
    summary: '运行指标（Prometheus 文本格式）：各接口请求数与耗时分布、各平台推送状态、待推送队列最长等待时间',
    tag: 'operations',
    access: { roles: ['admin'] },
    responses: { 200: { description: 'text/plain; version=0.0.4' } },
    handler: async ({ res }) => {
      res.type('text/plain; version=0.0.4; charset=utf-8').send(await renderMetrics());
    },
  },
]);
