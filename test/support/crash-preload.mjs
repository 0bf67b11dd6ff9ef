/**
 * Test-only preload (NODE_OPTIONS=--import <this file>): on SIGUSR2 it raises, inside a request context of
 * the service's own AsyncLocalStorage, either an unhandled rejection or an uncaught exception
 * (CRASH_KIND=rejection|exception). The service itself carries no trigger: this file is loaded only by
 * test/process.test.ts into the child process it spawns.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

process.on('SIGUSR2', () => {
  // By now the service has loaded src/lib/context.ts through tsx: the same module instance is imported here.
  void import(pathToFileURL(resolve('src/lib/context.ts')).href).then(({ requestContext }) => {
    requestContext.run({ requestId: process.env.CRASH_REQUEST_ID ?? 'crash-test-request' }, () => {
      setTimeout(() => {
        if (process.env.CRASH_KIND === 'exception') throw new Error('deliberate uncaught exception (test preload)');
        void Promise.reject(new Error('deliberate unhandled rejection (test preload)'));
      }, 0);
    });
  });
});
