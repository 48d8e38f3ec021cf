import type { Command } from 'commander';
import { z } from 'zod';
import { TOKEN_ENV } from '../../serve/server-access.js';
import { IntOption } from '../cli-command.js';

/**
 * The options every flightrec server takes (serve, ui): where it listens and the token it
 * requires, declared once so that both follow the same access rule (ServerAccess) with the same words.
 */
export function serverOptions(defaultPort: number) {
  return {
    schema: {
      host: z.string().min(1).default('127.0.0.1'),
      port: IntOption('--port').pipe(z.int().min(0).max(65535)).default(defaultPort),
      token: z.string().optional(),
    },
    declare(command: Command): Command {
      return command
        .option('--host <address>', 'address to bind; beyond loopback a --token is required', '127.0.0.1')
        .option('--port <n>', 'port to listen on (0: any free port)', String(defaultPort))
        .option('--token <secret>', `bearer token every request must carry (default: $${TOKEN_ENV})`);
    },
  };
}
