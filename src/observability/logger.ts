import pino, { type Logger } from 'pino';

/**
 * The process logger. Redaction is a second line of defence: request logs are built from an
 * explicit list of fields and never include parameters, headers or bodies.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'dshub' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          '*.password',
          '*.secret',
          '*.accessKeySecret',
          '*.authorization',
          '*.Signature',
          'secret',
        ],
        censor: '******',
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

export type { Logger };
