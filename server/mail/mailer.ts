/** One outgoing e-mail. Bodies may contain codes: mail is never logged. */
export type Mail = Readonly<{ to: string; subject: string; text: string; kind: string; code?: string }>;

/** Sends mail; SMTP in production, an outbox folder in development and tests. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): Promise<void>;
}
