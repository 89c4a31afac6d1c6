/**
 * Structured logging for the core: one JSON object per line. Values under keys that may hold
 * secrets are replaced before anything is written, so a careless call cannot leak them.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(scope: string): Logger;
}

const SECRET_KEY = /pass(word|phrase|code)?|secret|token|cookie|authorization|private|^key$|plaintext/i;
/** camelCase names ending in Key or Code (dbKey, verificationCode); a bare `code` is an error code. */
const SECRET_SUFFIX = /[a-z](Key|Code)$/;
const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 4) return '[deep]';
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => redact(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) || SECRET_SUFFIX.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export function createLogger(
  scope: string,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  minLevel: LogLevel = (process.env.CAIRN_LOG_LEVEL as LogLevel | undefined) ?? 'info',
): Logger {
  const threshold = LEVELS[minLevel] ?? LEVELS.info;
  const at =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (LEVELS[level] < threshold) return;
      const entry = { t: new Date().toISOString(), level, scope, message, ...(fields ? (redact(fields) as object) : {}) };
      write(JSON.stringify(entry));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (sub) => createLogger(`${scope}.${sub}`, write, minLevel),
  };
}

/** A logger that discards everything; for tests that do not look at logs. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
