import { z } from 'zod';
import { EventSchema } from '../../../protocol';
import type { ClientRecord, CookieRecord, UserRecord } from '../records';

/*
 * Row shapes as SQLite returns them. Rows are parsed like any other outside data so that a
 * schema drift fails loudly at the boundary instead of corrupting state further in.
 */

const int = z.number().int();
const nullableText = z.string().nullable();

export const UserRowSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    handle: nullableText,
    accent_id: int,
    locale: z.string(),
    picture: nullableText,
    password_hash: z.string(),
    second_factor: int,
    created_at: int,
  })
  .transform(
    (row): UserRecord => ({
      id: row.id,
      email: row.email,
      name: row.name,
      handle: row.handle,
      accentId: row.accent_id,
      locale: row.locale,
      picture: row.picture,
      passwordHash: row.password_hash,
      secondFactor: row.second_factor === 1,
      createdAt: row.created_at,
    }),
  );

export const CookieRowSchema = z
  .object({
    id: z.string(),
    user_id: z.string(),
    kind: z.enum(['persistent', 'session']),
    label: nullableText,
    client_id: nullableText,
    connection: z.string(),
    created_at: int,
    expires_at: int,
  })
  .transform(
    (row): CookieRecord => ({
      id: row.id,
      userId: row.user_id,
      kind: row.kind,
      label: row.label,
      clientId: row.client_id,
      connection: row.connection,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }),
  );

export const ClientRowSchema = z
  .object({
    user_id: z.string(),
    id: z.string(),
    type: z.enum(['permanent', 'temporary']),
    class: z.enum(['desktop', 'phone', 'tablet', 'legalhold']),
    model: nullableText,
    label: nullableText,
    created_at: int,
  })
  .transform(
    (row): ClientRecord => ({
      userId: row.user_id,
      id: row.id,
      type: row.type,
      class: row.class,
      model: row.model,
      label: row.label,
      createdAt: row.created_at,
    }),
  );

export const CountRowSchema = z.object({ n: int });
export const IdRowSchema = z.object({ id: int });

export const QueueRowSchema = z.object({ id: int, created_at: int, payload: z.string() });

export const StoredEventSchema = z.string().transform((text, context) => {
  try {
    return EventSchema.parse(JSON.parse(text));
  } catch {
    context.addIssue({ code: 'custom', message: 'stored event is not a valid event' });
    return z.NEVER;
  }
});

export const BlobSchema = z.instanceof(Buffer);

/** Parses every row of `rows` with `schema`. */
export function parseRows<S extends z.ZodType>(schema: S, rows: readonly unknown[]): z.output<S>[] {
  return rows.map((row) => schema.parse(row));
}

/** Parses an optional row. */
export function parseRow<S extends z.ZodType>(schema: S, row: unknown): z.output<S> | undefined {
  return row === undefined ? undefined : schema.parse(row);
}
