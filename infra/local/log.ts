/**
 * The local stack's own console output. Levels follow Powertools' names so one setting
 * (`logLevel`, default WARN) quiets both the stack and the handlers it runs.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export interface LocalLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const RANK: Record<LogLevel, number> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3, SILENT: 4 };

export function parseLogLevel(value: string | undefined, fallback: LogLevel = 'WARN'): LogLevel {
  const upper = value?.trim().toUpperCase();
  if (!upper) return fallback;
  if (upper in RANK) return upper as LogLevel;
  throw new Error(`log level must be one of ${Object.keys(RANK).join(', ')}, got "${value}"`);
}

export function consoleLogger(level: LogLevel = 'INFO'): LocalLogger {
  const enabled = (at: LogLevel) => RANK[at] >= RANK[level];
  return {
    info: (message) => enabled('INFO') && console.log(message),
    warn: (message) => enabled('WARN') && console.warn(message),
    error: (message) => enabled('ERROR') && console.error(message),
  };
}

export const silentLogger: LocalLogger = { info() {}, warn() {}, error() {} };
