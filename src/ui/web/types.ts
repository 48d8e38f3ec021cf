/**
 * The JSON the viewer's API answers with: the types of the schemas in ../api-schemas.ts, the one
 * description of it (the API tests parse the server's answers with the same schemas). Type-only:
 * nothing of zod reaches the browser.
 */
export type {
  AuditOutcome,
  AuditResponse,
  BlameResult,
  Decision,
  DiffResponse,
  Drawing,
  EpisodeReturn,
  Job,
  MctsNode,
  MctsTree,
  Num,
  OverviewDelta,
  PlannerIteration,
  ReplayResult,
  RunDetail,
  RunHead,
  RunRow,
  RunSummary,
  SearchNode,
  Tensor,
  TimelineSegment,
  VersionChange,
} from '../api-schemas.js';
