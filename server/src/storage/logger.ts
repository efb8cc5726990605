// Where the storage layer reports what it found and repaired: a pino logger (or anything shaped like one)
// or a plain callback.

export type LogLevel = 'info' | 'warn' | 'error';

export interface LoggerLike {
  info(details: object, msg: string): void;
  warn(details: object, msg: string): void;
  error(details: object, msg: string): void;
}

export type LogCallback = (level: LogLevel, msg: string, details: Record<string, unknown>) => void;

export type StorageLogger = LoggerLike | LogCallback;

export type Log = (level: LogLevel, msg: string, details?: Record<string, unknown>) => void;

export function toLog(logger: StorageLogger | undefined): Log {
  if (logger === undefined) return () => {};
  if (typeof logger === 'function') return (level, msg, details = {}) => logger(level, msg, details);
  return (level, msg, details = {}) => logger[level](details, msg);
}
