import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** URL prefix of the web console (网页控制台). */
export const CONSOLE_PATH = '/console';

/** The project root: the nearest folder above this module holding package.json (works from src/ under tsx and from dist/src/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** Where `npm run build:web` (Vite, web/vite.config.ts) writes the console. */
export function defaultConsoleDir(): string {
  return resolve(projectRoot(), 'dist', 'web');
}

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>网页控制台尚未构建</title>
<p>网页控制台尚未构建：请先运行 <code>npm run build</code>（或 <code>npm start</code>，它会先构建）。</p></html>`;

/**
 * The web console: static files built by Vite, served under /console/ (`/` redirects there). Public assets only —
 * every piece of data the console shows comes from the authenticated /api/v1 API, called by the browser with the
 * credential the user signed in with. Hashed assets are cached for a year; index.html is revalidated every time.
 */
export function consoleRouter(dir: string = defaultConsoleDir()): Router {
  const router = Router();
  router.get('/', (_req, res) => res.redirect(302, `${CONSOLE_PATH}/`));
  if (!existsSync(join(dir, 'index.html'))) {
    router.get([CONSOLE_PATH, `${CONSOLE_PATH}/`], (_req, res) => {
      res.status(503).type('html').send(NOT_BUILT);
    });
    return router;
  }
  router.use(
    `${CONSOLE_PATH}/assets`,
    express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false }),
  );
  router.use(
    CONSOLE_PATH,
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res, file) => {
        if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  return router;
}
