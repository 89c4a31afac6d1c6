import nodemailer from 'nodemailer';
import type { Mail, Mailer } from './mailer';

export type SmtpOptions = Readonly<{ url: string; from: string }>;

/** Production mailer over SMTP (`smtps://user:pass@host:465` or `smtp://…` with STARTTLS). */
export class SmtpMailer implements Mailer {
  private readonly transport: nodemailer.Transporter;

  constructor(private readonly options: SmtpOptions) {
    this.transport = nodemailer.createTransport(options.url);
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.options.from, to: mail.to, subject: mail.subject, text: mail.text });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
