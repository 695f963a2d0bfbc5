import { pino } from 'pino';

// Structured logs on stderr so stdout stays free for command output. Event data
// is never logged: it may hold pseudonyms, and before pseudonymisation a NIK.
export const logger = pino(
  { level: process.env.CAKUPAN_LOG_LEVEL ?? 'info', redact: ['*.nik', 'nik', '*.data'] },
  pino.destination(2),
);
