import type { CliCommand } from './cli-command.js';
import { auditCommand } from './commands/audit-command.js';
import { blameCommand } from './commands/blame-command.js';
import { checkpointCommand } from './commands/checkpoint-command.js';
import { compactCommand } from './commands/compact-command.js';
import { copyCommand } from './commands/copy-command.js';
import { demoCommand } from './commands/demo-command.js';
import { diffCommand } from './commands/diff-command.js';
import { eventsCommand } from './commands/events-command.js';
import { exportCommand } from './commands/export-command.js';
import { importCommand } from './commands/import-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { proveCommand } from './commands/prove-command.js';
import { replayCommand } from './commands/replay-command.js';
import { rmCommand } from './commands/rm-command.js';
import { runsCommand } from './commands/runs-command.js';
import { serveCommand } from './commands/serve-command.js';
import { sealCommand } from './commands/seal-command.js';
import { showCommand } from './commands/show-command.js';
import { statsCommand } from './commands/stats-command.js';
import { uiCommand } from './commands/ui-command.js';
import { verifyCommand } from './commands/verify-command.js';
import { verifyProofCommand } from './commands/verify-proof-command.js';

/** Every command, in help order. Each lives in its own file. */
export const COMMANDS: readonly CliCommand[] = [
  demoCommand,
  runsCommand,
  rmCommand,
  compactCommand,
  eventsCommand,
  showCommand,
  statsCommand,
  verifyCommand,
  replayCommand,
  blameCommand,
  checkpointCommand,
  sealCommand,
  proveCommand,
  verifyProofCommand,
  exportCommand,
  importCommand,
  copyCommand,
  auditCommand,
  diffCommand,
  serveCommand,
  uiCommand,
  migrateCommand,
];
