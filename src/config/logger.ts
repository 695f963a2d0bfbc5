import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { LOG_LEVELS, type Config, type LogLevel } from './config.ts';

// Structured logs on stderr so stdout stays free for command output: readable
// lines on a terminal, JSON otherwise (or as CAKUPAN_LOG_FORMAT says). Event
// data, variables and request bodies are never logged: they may hold
// pseudonyms, and before pseudonymisation a NIK.
const REDACT = ['*.nik', 'nik', '*.data', 'variables', '*.variables'];

function create(level: LogLevel, format: Config['logFormat']): Logger {
  const human = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  const destination = human
    ? pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' })
    : pino.destination({ dest: 2, sync: true });
  return pino({ level, redact: REDACT }, destination);
}

// Until the configuration is validated, a level is taken only if it is valid;
// a bad one is reported by the configuration schema, naming the variable.
const envLevel = process.env.CAKUPAN_LOG_LEVEL as LogLevel | undefined;
const envFormat = process.env.CAKUPAN_LOG_FORMAT;

/** The process logger; `configureLogger` replaces it once the configuration is known (ESM live binding). */
export let logger: Logger = create(
  envLevel && LOG_LEVELS.includes(envLevel) ? envLevel : 'info',
  envFormat === 'pretty' || envFormat === 'json' ? envFormat : 'auto',
);

export function configureLogger(config: Pick<Config, 'logLevel' | 'logFormat'>): void {
  logger = create(config.logLevel, config.logFormat);
}
