import type { ServerResponse } from 'node:http';
import { AppError, toWireError } from '../errors';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** An error as JSON {code, message} with the code's HTTP status. */
export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  const wire = toWireError(err);
  const status = err instanceof AppError ? err.status : 500;
  // RFC 6750: a 401 names the scheme the credential is expected in.
  sendJson(res, status, wire, status === 401 ? { 'WWW-Authenticate': 'Bearer', ...headers } : headers);
}
