import type { z } from 'zod';

/**
 * How a route authenticates:
 * - `none`: anyone;
 * - `cookie`: the `zuid` user-token cookie (token refresh and logout only);
 * - `user`: `Authorization: Bearer <access token>`;
 * - `client`: an access token bound to a registered client (obtained with `POST /access?client_id=`).
 */
export type RouteAuth = 'none' | 'cookie' | 'user' | 'client';

export type RouteSpec = Readonly<{
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  auth: RouteAuth;
  status: number;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Absent for routes whose answer is not JSON (asset download, WebSocket). */
  response?: z.ZodType;
}>;

/** What a handler receives for a schema slot: the parsed value, or `undefined` when the slot is absent. */
export type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;
