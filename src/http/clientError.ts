import type { Socket } from 'node:net';
import { logger } from '../lib/logger.js';

/**
 * Requests Node's HTTP parser refuses before Express sees them (raw non-ASCII in the URL, such as
 * `curl '…/imports?fileName=处罚.csv'`, a malformed header, an oversized header block) get the API's
 * error shape with a Chinese reason instead of Node's empty `400 Bad Request`.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, code, message } = describe(err.code);
  logger.warn('request refused by the HTTP parser', { code: err.code, status });
  const body = JSON.stringify({ error: { code, message, details: [], requestId: null } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function describe(parserCode: string | undefined): { status: number; code: string; message: string } {
  switch (parserCode) {
    case 'HPE_INVALID_URL':
      return {
        status: 400,
        code: 'BAD_REQUEST',
        message: "请求地址含有未经百分号编码的字符（如中文）：请先编码，例如 curl 使用 --url-query 'fileName=处罚.csv'，或在浏览器中使用 encodeURIComponent",
      };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HEADERS_TOO_LARGE', message: '请求头过大' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', message: '请求超时' };
    default:
      return { status: 400, code: 'BAD_REQUEST', message: '请求格式错误，无法解析' };
  }
}
